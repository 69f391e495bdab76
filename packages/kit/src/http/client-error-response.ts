import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FlotillaError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors/index.js';

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

/**
 * Answers what node's HTTP server would otherwise answer without a body (or, for a parse error,
 * Fastify with its own JSON): framing errors get `clientErrorResponse`, and an `Expect` other than
 * `100-continue` a 417 problem. A framing error met while a request is being handled (a bad chunk
 * in its body) still gets its answer as long as none has started.
 */
export function answerProtocolErrors(server: Server): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const body = JSON.stringify(
      toProblem(
        new FlotillaError('EXPECTATION_FAILED', { detail: 'only Expect: 100-continue is supported' }),
      ),
    );
    response.writeHead(417, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
}

/** The `clientError` handler of node's HTTP server (and Fastify's `clientErrorHandler`). */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && (current === undefined || current === null || !current.headersSent)) {
    socket.end(clientErrorResponse(error.code));
  } else {
    socket.destroy();
  }
}
