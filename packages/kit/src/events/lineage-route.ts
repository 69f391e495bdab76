import { Type } from '@sinclair/typebox';
import { FlotillaError } from '../errors/index.js';
import type { HttpServer } from '../http/index.js';
import { type EventLineage, readEventLineage } from './event-lineage.js';
import type { ServiceEvents } from './service-events.js';

const LineageQuerystring = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'an event id' })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'an event type' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
  },
  { additionalProperties: false },
);

/**
 * `GET /events/lineage?id=` (or `?type=`): what this service's outbox, deliveries, inbox and dead
 * letters know of an event, with its subscriptions; read-only, for the dashboard's lineage view.
 */
export function registerLineageRoute(app: HttpServer, service: string, events: ServiceEvents): void {
  app.get(
    '/events/lineage',
    { schema: { hide: true, querystring: LineageQuerystring }, config: { untraced: true } },
    async (request, reply): Promise<EventLineage> => {
      const { id, type, limit } = request.query;
      if ((id === undefined) === (type === undefined)) {
        throw new FlotillaError('BAD_REQUEST', { detail: 'give exactly one of id and type' });
      }
      const found = await readEventLineage(
        events.database,
        id !== undefined ? { id } : { type: type as string, limit: limit ?? 20 },
      );
      reply.header('cache-control', 'no-store');
      return {
        service,
        transport: events.transport.kind,
        subscriptions: events.dispatcher.subscriptions.map((entry) => ({
          name: entry.name,
          from: entry.from,
          patterns: entry.patterns,
        })),
        ...found,
      };
    },
  );
}
