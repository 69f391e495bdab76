import { STATUS_CODES } from 'node:http';
import { FlotillaError, PROBLEM_CONTENT_TYPE, toProblem } from '@flotilla/kit/errors';

/**
 * The raw answer to a request node's HTTP parser refused before any handler ran: oversized
 * headers (431), a header or request timeout (408), or a malformed or ambiguous message such as
 * `Content-Length` with `Transfer-Encoding` or two `Content-Length`s (400, the smuggling guard).
 * The connection is closed after it: its framing can no longer be trusted.
 */
export function clientErrorResponse(code: string | undefined): string {
  const error =
    code === 'HPE_HEADER_OVERFLOW'
      ? new FlotillaError('HEADERS_TOO_LARGE')
      : code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT'
        ? new FlotillaError('REQUEST_TIMEOUT')
        : new FlotillaError('BAD_REQUEST', { detail: 'malformed HTTP request' });
  const body = JSON.stringify(toProblem(error));
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}
