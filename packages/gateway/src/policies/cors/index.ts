import type { Guard } from '../policy.js';
import { ANSWERED } from '../policy.js';

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
 * is refused at start. A preflight is answered here (204) and goes no further.
 */
export function cors(options: CorsOptions): Guard {
  const any = options.origins.includes('*');
  if (any && options.credentials) {
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
  const origins: ReadonlySet<string> = new Set(options.origins);
  const maxAge = String(options.maxAgeSeconds);

  return (context) => {
    const { request, response } = context;
    const origin = request.headers.origin;
    if (origin === undefined) return undefined;
    // Set first, as on every answer: a preflight is answered below, past the other policies.
    response.setHeader('x-request-id', context.requestId);
    response.setHeader('vary', 'Origin');
    const allowed = origins.has(origin);
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (allowed || any) {
      response.setHeader('access-control-allow-origin', allowed ? origin : '*');
      if (allowed && options.credentials) response.setHeader('access-control-allow-credentials', 'true');
      if (preflight) {
        response.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        const requested = request.headers['access-control-request-headers'];
        if (requested !== undefined) response.setHeader('access-control-allow-headers', requested);
        response.setHeader('access-control-max-age', maxAge);
      }
    }
    if (!preflight) return undefined;
    request.resume();
    response.writeHead(204, { 'content-length': '0' });
    response.end();
    return ANSWERED;
  };
}
