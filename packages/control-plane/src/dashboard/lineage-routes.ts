import { FlotillaError } from '@flotilla/kit/errors';
import type { EventLineage } from '@flotilla/kit/events';
import type { HttpServer } from '@flotilla/kit/http';
import { type Static, Type } from '@sinclair/typebox';
import { callInstance } from './call-instance.js';
import type { ServiceView } from './dashboard-options.js';
import { type EventLineageView, mergeLineage } from './merge-lineage.js';

export interface LineageRoutesOptions {
  listServices(): Promise<readonly ServiceView[]>;
  readonly fetch: typeof fetch;
  /** Per service asked. */
  readonly timeoutMs: number;
}

const LineageQuery = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/**
 * `GET /api/events/lineage?id=` (or `?type=`): every service's `/events/lineage` answer for the
 * event, asked of one passing instance each at once, merged with who publishes and who consumes
 * its type. A service that cannot answer is listed with its error; the others still show.
 */
export function registerLineageRoutes(app: HttpServer, options: LineageRoutesOptions): void {
  app.get<{ Querystring: Static<typeof LineageQuery> }>(
    '/api/events/lineage',
    { schema: { hide: true, querystring: LineageQuery } },
    async (request, reply): Promise<EventLineageView> => {
      const { id, type } = request.query;
      if ((id === undefined) === (type === undefined)) {
        throw new FlotillaError('BAD_REQUEST', { detail: 'give exactly one of id and type' });
      }
      let services: readonly ServiceView[];
      try {
        services = await options.listServices();
      } catch (error) {
        throw new FlotillaError('UPSTREAM_UNAVAILABLE', {
          extensions: { upstream: 'registry' },
          cause: error,
        });
      }
      const path = `/events/lineage?${new URLSearchParams(id !== undefined ? { id } : { type: type as string })}`;
      const answers = await Promise.all(
        services.map(async (service) => {
          const instance = service.instances.find((candidate) => candidate.health === 'passing');
          if (!instance) return { service: service.name, error: 'no passing instance' };
          try {
            const answer = await callInstance(instance, path, {
              fetch: options.fetch,
              timeoutMs: options.timeoutMs,
              service: service.name,
            });
            return { service: service.name, lineage: answer.body as EventLineage };
          } catch (error) {
            // A service without events (the gateway) has no lineage route: not an error worth showing.
            if (error instanceof FlotillaError && error.code === 'NOT_FOUND') return undefined;
            return { service: service.name, error: (error as Error).message };
          }
        }),
      );
      reply.header('cache-control', 'no-store');
      return mergeLineage(
        id !== undefined ? { id } : { type: type as string },
        answers.filter((answer) => answer !== undefined),
      );
    },
  );
}
