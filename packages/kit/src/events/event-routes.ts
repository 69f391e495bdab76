import { Type } from '@sinclair/typebox';
import { FlotillaError } from '../errors/index.js';
import type { HttpServer } from '../http/index.js';
import { parseCloudEvent } from './cloud-event.js';
import { findDeadLetter, listDeadLetters } from './dead-letters.js';
import { registerLineageRoute } from './lineage-route.js';
import { outboxBacklog } from './outbox-backlog.js';
import type { ServiceEvents } from './service-events.js';
import {
  CLOUD_EVENTS_BATCH_CONTENT_TYPE,
  EmbeddedTransport,
} from './transports/embedded/embedded-transport.js';

/**
 * The events endpoints every service has: its subscription list (read by publishers' embedded
 * transport), its outbox backlog, the embedded delivery endpoint, and the dead-letter API.
 */
export function registerEventRoutes(app: HttpServer, service: string, events: ServiceEvents): void {
  app.addContentTypeParser(
    CLOUD_EVENTS_BATCH_CONTENT_TYPE,
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.get('/events/subscriptions', { schema: { hide: true }, config: { untraced: true } }, async () => ({
    service,
    subscriptions: events.dispatcher.subscriptions.map((entry) => ({
      name: entry.name,
      from: entry.from,
      patterns: entry.patterns,
    })),
  }));

  // The relay's backlog, for `flotilla status` and the dashboard (also on /metrics as gauges).
  app.get('/events/outbox', { schema: { hide: true }, config: { untraced: true } }, () =>
    outboxBacklog(events.database),
  );

  app.post('/events/deliver', { schema: { hide: true } }, async (request, reply) => {
    const transport = events.transport;
    if (!(transport instanceof EmbeddedTransport)) {
      throw new FlotillaError('CONFLICT', { detail: `this service receives events over ${transport.kind}` });
    }
    if (request.headers['content-type']?.split(';')[0]?.trim() !== CLOUD_EVENTS_BATCH_CONTENT_TYPE) {
      throw new FlotillaError('UNSUPPORTED_MEDIA_TYPE', {
        detail: `send ${CLOUD_EVENTS_BATCH_CONTENT_TYPE}`,
      });
    }
    if (!Array.isArray(request.body)) {
      throw new FlotillaError('BAD_REQUEST', { detail: 'the body must be a JSON array of CloudEvents' });
    }
    const result = await transport.deliver(request.body, { 'content-type': CLOUD_EVENTS_BATCH_CONTENT_TYPE });
    return reply.code(200).send(result);
  });

  app.get(
    '/events/dead-letters',
    {
      config: { untraced: true },
      schema: {
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            includeRedriven: Type.Optional(Type.Boolean({ default: false })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      deadLetters: await listDeadLetters(events.database, {
        limit: request.query.limit ?? 100,
        includeRedriven: request.query.includeRedriven ?? false,
      }),
    }),
  );

  registerLineageRoute(app, service, events);

  app.post(
    '/events/dead-letters/:id/redrive',
    { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } },
    async (request) => {
      const deadLetter = await findDeadLetter(events.database, request.params.id);
      if (!deadLetter)
        throw new FlotillaError('NOT_FOUND', { detail: `no dead letter ${request.params.id}` });
      if (deadLetter.redrivenAt) {
        throw new FlotillaError('CONFLICT', { detail: `dead letter ${deadLetter.id} was already redriven` });
      }
      const parsed = parseCloudEvent(deadLetter.payload);
      if ('error' in parsed) {
        throw new FlotillaError('CONFLICT', {
          detail: `dead letter ${deadLetter.id} is not a valid CloudEvent (${parsed.error}); it cannot be redriven`,
        });
      }
      let outcome: string;
      try {
        outcome = await events.dispatcher.redrive(deadLetter.subscription, parsed.event, deadLetter.id);
      } catch (error) {
        throw new FlotillaError('CONFLICT', {
          detail: `redrive of ${deadLetter.id} failed: ${(error as Error).message ?? String(error)}`,
        });
      }
      return { id: deadLetter.id, eventId: deadLetter.eventId, outcome };
    },
  );
}
