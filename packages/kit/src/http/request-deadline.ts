import type { FastifyRequest } from 'fastify';
import { FlotillaError } from '../errors/index.js';

/**
 * The caller's remaining patience, in milliseconds, on every service-to-service request. Relative
 * rather than an absolute time so that clock skew between hosts cannot shorten or stretch it (the
 * same choice as gRPC's `grpc-timeout` and Envoy's `x-envoy-expected-rq-timeout-ms`).
 */
export const DEADLINE_HEADER = 'x-request-timeout-ms';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the caller stops waiting (epoch ms), from `x-request-timeout-ms`; undefined without one. */
    deadline: number | undefined;
  }
}

interface Hookable {
  decorateRequest(name: 'deadline', value: undefined): unknown;
  addHook(name: 'onRequest', hook: (request: FastifyRequest) => Promise<void>): unknown;
}

/**
 * Reads the deadline header of each request: an expired one is refused at once with
 * DEADLINE_EXCEEDED (the caller has given up, any work would be wasted); otherwise the deadline is
 * kept on `request.deadline` so handlers pass it to the service client, whose calls then end in time.
 * A malformed value is ignored: it is a hint, and a bad hint must not fail the request.
 */
export function registerRequestDeadline(app: Hookable, now: () => number = Date.now): void {
  app.decorateRequest('deadline', undefined);
  app.addHook('onRequest', async (request) => {
    const raw = request.headers[DEADLINE_HEADER];
    if (typeof raw !== 'string' || !/^\s*-?\d{1,10}\s*$/.test(raw)) return;
    const remaining = Number(raw);
    if (remaining <= 0) {
      throw new FlotillaError('DEADLINE_EXCEEDED', { detail: "the caller's deadline had passed on arrival" });
    }
    request.deadline = now() + remaining;
  });
}

/** Milliseconds left before the caller gives up; undefined when it sent no deadline. */
export function remainingBudgetMs(request: FastifyRequest, now: () => number = Date.now): number | undefined {
  return request.deadline === undefined ? undefined : request.deadline - now();
}
