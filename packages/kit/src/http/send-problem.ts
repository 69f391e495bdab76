import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/index.js';

/** Writes any error as RFC 9457 problem+json; the only way the kit answers a 4xx/5xx. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const problem = toProblem(error, { instance: request.url.split('?')[0], traceId: traceIdOf(request) });
  const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.max(0, Math.ceil(retryAfter))));
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** The id that finds this request's log lines: the trace id once tracing is on, else the request id. */
export function traceIdOf(request: FastifyRequest): string {
  return (request as FastifyRequest & { traceId?: string }).traceId ?? String(request.id);
}
