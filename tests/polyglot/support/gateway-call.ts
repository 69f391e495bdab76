/** An answer of the gateway (or of a service called directly), with how long it took. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly elapsedMs: number;
}

/** One request to `baseUrl` + `path`; every answer here is JSON or problem+json, or empty (`{}`). */
export async function callGateway(baseUrl: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const began = performance.now();
  const response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(15_000) }); // hang guard
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - began };
}

/** A request with a JSON body; a string goes as it is (malformed JSON, say). */
export const sendJson = (
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  callGateway(baseUrl, path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
