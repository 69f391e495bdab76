/**
 * The HTTP foundation every service runs on: a Fastify server with TypeBox schemas, problem+json errors and
 * cursors.
 *
 * @packageDocumentation
 */
// Services name Fastify's request and reply types through the kit, which owns the dependency.
export type { FastifyReply, FastifyRequest } from 'fastify';
export { answerClientError, answerProtocolErrors, clientErrorResponse } from './client-error-response.js';
export { createHttpServer, type HttpServer, type HttpServerOptions } from './create-http-server.js';
export { decodeCursor, encodeCursor } from './page-cursor.js';
export { DEADLINE_HEADER, registerRequestDeadline, remainingBudgetMs } from './request-deadline.js';
export { sendProblem, traceIdOf } from './send-problem.js';
export { requestSpanOf } from './trace-requests.js';
export { urlHost } from './url-host.js';
