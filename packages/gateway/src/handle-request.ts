import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlotillaError } from '@flotilla/kit/errors';
import type { Logger, Tracing } from '@flotilla/kit/telemetry';
import type { Endpoint } from './endpoints/index.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { ClientAddress } from './http/client-address.js';
import { writeProblem } from './http/write-problem.js';
import { ANSWERED, decide, type Guard, type Send } from './policies/policy.js';
import type { LoadShedder } from './policies/shedding/index.js';
import { isRouted, pathOf, RequestContext } from './request-context.js';
import type { Route } from './routes/route.js';
import { traceRequest } from './tracing/request-span.js';

/** The request pipeline, built once at start; `createGateway` composes it. */
export interface Pipeline {
  /** Every request, before its route is known. */
  readonly front: readonly Guard<RequestContext>[];
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  /** The route table in force (it changes with the route sources). */
  readonly match: (path: string) => Route | undefined;
  /** A routed request, in order, before it goes upstream. */
  readonly guards: readonly Guard[];
  /** The upstream call inside its policies. */
  readonly send: Send;
  /** Counts the routed requests in flight. */
  readonly shedder: LoadShedder;
  readonly addresses: ClientAddress;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Routed requests are traced when given. */
  readonly tracing: Tracing | undefined;
}

/**
 * Runs each request through the pipeline: the front guards, then an own endpoint or the routed
 * guards and the upstream call (inside a span when tracing). Never rejects: an unexpected error is
 * logged and answered 500.
 */
export function requestHandler(
  pipeline: Pipeline,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { front, endpoints, match, guards, send, shedder, addresses, metrics, logger, tracing } = pipeline;

  /**
   * A routed request, answered by the upstream or with a problem; returns the status. It never
   * throws: an unexpected error is logged (inside the request's span, so with its trace id) and
   * answered 500.
   */
  async function routed(context: RequestContext): Promise<number> {
    const { response } = context;
    try {
      if (!isRouted(context)) return context.refuse(new FlotillaError('ROUTE_NOT_FOUND'));
      let status: number;
      shedder.inFlight++;
      try {
        let verdict = decide(guards, context);
        if (verdict instanceof Promise) verdict = await verdict;
        // A request a guard answered itself (a preflight) never reached a service: not measured.
        if (verdict === ANSWERED) return response.statusCode;
        status = verdict === undefined ? await send(context) : context.refuse(verdict);
      } finally {
        shedder.inFlight--;
      }
      const seconds = (performance.now() - context.started) / 1000;
      metrics.request(context.methodLabel, context.route.prefix, status, seconds);
      // On this path even building a line's fields costs, so a request of a sampled trace (a budget
      // of them per second by default) gets its line at info, for the trace's logs to hold the
      // gateway's part, and so does a failed one (5xx); every other request only at debug.
      const level = context.span?.sampled || status >= 500 ? 'info' : 'debug';
      if (logger.isLevelEnabled(level)) {
        const durationMs = Math.round(seconds * 10_000) / 10;
        logger[level](
          { method: context.methodLabel, route: context.route.prefix, status, durationMs },
          'request completed',
        );
      }
      return status;
    } catch (error) {
      context.span?.fail(error, error instanceof Error ? error.name : '_OTHER');
      logger.error({ err: error }, 'request failed');
      if (!response.headersSent) response.setHeader('x-request-id', context.requestId);
      writeProblem(response, new FlotillaError('INTERNAL'), context.path, context.traceId);
      return 500;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const context = new RequestContext(request, response, addresses);
      let verdict = decide(front, context);
      if (verdict instanceof Promise) verdict = await verdict;
      if (verdict !== undefined) {
        if (verdict !== ANSWERED) context.refuse(verdict);
        return;
      }
      const endpoint = endpoints.get(context.path);
      if (endpoint !== undefined) {
        response.setHeader('x-request-id', context.requestId);
        await endpoint(context);
        request.resume();
        return;
      }
      context.route = match(context.path);
      if (tracing === undefined) await routed(context);
      else await traceRequest(tracing, context, routed);
    } catch (error) {
      logger.error({ err: error }, 'request failed');
      writeProblem(response, new FlotillaError('INTERNAL'), pathOf(request.url), '');
    }
  }

  return (request, response) => void handle(request, response);
}
