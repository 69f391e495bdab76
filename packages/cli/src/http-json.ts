import { request } from 'undici';
import { CliError } from './cli-error.js';

/**
 * One JSON request with a timeout. Resolves to the status and parsed body; a refused or timed-out
 * connection becomes a one-line CliError naming what was being asked for.
 */
export async function httpJson<T = unknown>(
  url: string,
  init: { method?: 'GET' | 'POST' | 'PUT'; body?: unknown; timeoutMs?: number; what?: string } = {},
): Promise<{ status: number; body: T | undefined }> {
  const timeout = init.timeoutMs ?? 2_000;
  try {
    const response = await request(url, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await response.body.text();
    let body: T | undefined;
    try {
      body = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, body };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    throw new CliError(`${init.what ?? url} is not reachable at ${new URL(url).origin} (${code})`);
  }
}

/** The `detail` (or `title`) of a problem+json body, for one-line error messages. */
export function problemDetail(body: unknown, status: number): string {
  const problem = body as { detail?: string; title?: string } | undefined;
  return problem?.detail ?? problem?.title ?? `HTTP ${status}`;
}
