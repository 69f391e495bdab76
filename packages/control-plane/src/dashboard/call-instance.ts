import { FlotillaError, fromProblem } from '@flotilla/kit/errors';
import type { InstanceView } from './dashboard-options.js';
import { instanceUrl } from './instance-url.js';

export interface CallOptions {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly method?: 'GET' | 'POST';
  /** Names the upstream in problems, e.g. `users`. */
  readonly service: string;
}

export interface InstanceAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One request to an instance, with every failure turned into a catalogue error that names the
 * upstream: unreachable → 502, too slow → 504, a 4xx answer → that problem, a 5xx answer → 502.
 */
export async function callInstance(
  instance: InstanceView,
  path: string,
  options: CallOptions,
): Promise<InstanceAnswer> {
  const extensions = { upstream: options.service };
  let response: Response;
  try {
    response = await options.fetch(instanceUrl(instance, path), {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json, application/problem+json;q=0.9, text/plain;q=0.8' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new FlotillaError(timedOut ? 'UPSTREAM_TIMEOUT' : 'BAD_GATEWAY', { extensions, cause: error });
  }
  let body: unknown;
  try {
    const text = await response.text();
    body =
      text === ''
        ? undefined
        : (response.headers.get('content-type') ?? '').includes('json')
          ? JSON.parse(text)
          : text;
  } catch (error) {
    throw new FlotillaError('BAD_GATEWAY', { extensions, cause: error });
  }
  if (response.status >= 500) throw new FlotillaError('BAD_GATEWAY', { extensions });
  if (response.status >= 400) {
    const problem = fromProblem(body, response.status);
    throw new FlotillaError(problem.code, { detail: problem.detail ?? problem.message, extensions });
  }
  return { status: response.status, body };
}
