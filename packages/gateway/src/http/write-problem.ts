import type { ServerResponse } from 'node:http';
import { type FlotillaError, PROBLEM_CONTENT_TYPE, toProblem } from '@flotilla/kit/errors';

/**
 * Answers with the error as RFC 9457 problem+json (the kit's mapping: no internals on a 5xx).
 * Headers already set on `response` (RateLimit-*, CORS, request id) are kept.
 */
export function writeProblem(
  response: ServerResponse,
  error: FlotillaError,
  instance: string | undefined,
  requestId: string,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify(
    toProblem(error, instance === undefined ? { traceId: requestId } : { instance, traceId: requestId }),
  );
  if (error.retryAfterSeconds !== undefined) {
    response.setHeader('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  response.writeHead(error.status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
