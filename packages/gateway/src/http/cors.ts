import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`); `*` allows any origin, and then never credentials. */
  readonly origins: readonly string[];
  readonly credentials: boolean;
  readonly maxAgeSeconds: number;
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/**
 * CORS with an explicit allowlist. An Origin is echoed only when it is on the list; with `*` the
 * answer is the literal `*`, which browsers never combine with credentials, and configuring both
 * is refused at start.
 */
export class Cors {
  readonly #origins: ReadonlySet<string>;
  readonly #any: boolean;
  readonly #options: CorsOptions;

  constructor(options: CorsOptions) {
    this.#any = options.origins.includes('*');
    if (this.#any && options.credentials) {
      throw new Error('CORS_ORIGINS: "*" cannot be combined with CORS_CREDENTIALS=true');
    }
    for (const origin of options.origins) {
      if (origin === '*') continue;
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {}
      if (parsed?.origin !== origin)
        throw new Error(`CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    }
    this.#origins = new Set(options.origins);
    this.#options = options;
  }

  /** Adds the CORS answer headers; returns true when the request was a preflight now answered. */
  apply(request: IncomingMessage, response: ServerResponse): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    response.setHeader('vary', 'Origin');
    const allowed = this.#origins.has(origin);
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (allowed || this.#any) {
      response.setHeader('access-control-allow-origin', allowed ? origin : '*');
      if (allowed && this.#options.credentials)
        response.setHeader('access-control-allow-credentials', 'true');
      if (preflight) {
        response.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        const requested = request.headers['access-control-request-headers'];
        if (requested !== undefined) response.setHeader('access-control-allow-headers', requested);
        response.setHeader('access-control-max-age', String(this.#options.maxAgeSeconds));
      }
    }
    if (!preflight) return false;
    request.resume();
    response.writeHead(204, { 'content-length': '0' });
    response.end();
    return true;
  }
}
