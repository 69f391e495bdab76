import { FlotillaError } from '@flotilla/kit/errors';
import type { EventLineage } from '@flotilla/kit/events';
import type { HttpServer } from '@flotilla/kit/http';
import { type Static, Type } from '@sinclair/typebox';
import { askEachService } from './ask-each-service.js';
import type { CallOptions } from './call-instance.js';
import type { ServiceView } from './dashboard-options.js';
import { type EventLineageView, mergeLineage } from './merge-lineage.js';

export interface LineageRoutesOptions {
  listServices(): Promise<readonly ServiceView[]>;
  readonly call: Omit<CallOptions, 'service' | 'method'>;
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
      const query: { id: string } | { type: string } = id !== undefined ? { id } : { type: type as string };
      const answers = await askEachService(
        await options.listServices(),
        `/events/lineage?${new URLSearchParams(query)}`,
        options.call,
      );
      reply.header('cache-control', 'no-store');
      return mergeLineage(
        query,
        answers.map((answer) =>
          'error' in answer ? answer : { service: answer.service, lineage: answer.body as EventLineage },
        ),
      );
    },
  );
}
