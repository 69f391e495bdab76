import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CheckStatus } from '../registry/registration.js';
import { parseRegistration, RegistrationError } from '../registry/registration.js';
import type { ServiceCatalog, ServiceRecord } from '../registry/service-catalog.js';
import { awaitChange, BadQuery, parseBlockingQuery } from './blocking-query.js';
import {
  agentServiceView,
  catalogServiceView,
  checkView,
  healthEntryView,
  type NodeInfo,
} from './consul-views.js';

export interface ConsulRoutesOptions {
  readonly catalog: ServiceCatalog;
  readonly node: NodeInfo;
  /** Called after every registration change, to persist the catalog. */
  readonly onRegistrationChange: () => void;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

/**
 * The subset of Consul's HTTP API that services use to register and discover, with Consul's
 * request and response shapes, status codes and plain-text error bodies (ADR 0002). Mounted under
 * `/v1` in its own Fastify scope, so its body parsing and error answers do not leak into the
 * control plane's problem+json endpoints.
 */
export async function consulRoutes(app: FastifyInstance, options: ConsulRoutesOptions): Promise<void> {
  const { catalog, node, onRegistrationChange } = options;

  // Consul reads bodies as JSON whatever the Content-Type says (Go clients often send none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new RegistrationError(`Request decode failed: ${(error as Error).message}`), undefined);
    }
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof RegistrationError || error instanceof BadQuery) {
      return plain(reply, 400, error.message);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'registry request failed');
      return plain(reply, 500, 'Internal error');
    }
    return plain(reply, status, (error as Error).message);
  });
  app.setNotFoundHandler(async (_request, reply) => plain(reply, 404, '404 page not found'));

  app.put('/agent/service/register', async (request, reply) => {
    const definition = parseRegistration(request.body);
    catalog.register(definition);
    onRegistrationChange();
    request.log.info({ serviceId: definition.id, service: definition.name }, 'service registered');
    return plain(reply, 200, '');
  });

  app.put<{ Params: Params }>('/agent/service/deregister/:id', async (request, reply) => {
    const { id } = request.params;
    if (!catalog.deregister(id!)) {
      return plain(
        reply,
        404,
        `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
      );
    }
    onRegistrationChange();
    request.log.info({ serviceId: id }, 'service deregistered');
    return plain(reply, 200, '');
  });

  app.get<{ Querystring: Query }>('/agent/services', async (request, reply) => {
    refuseFilter(request.query);
    const services: Record<string, unknown> = {};
    for (const record of catalog.services()) services[record.definition.id] = agentServiceView(record, node);
    return json(reply, services);
  });

  app.get<{ Params: Params }>('/agent/service/:id', async (request, reply) => {
    const record = catalog.service(request.params.id!);
    if (!record) return plain(reply, 404, `unknown service ID: ${request.params.id}`);
    return json(reply, agentServiceView(record, node));
  });

  app.get<{ Querystring: Query }>('/agent/checks', async (request, reply) => {
    refuseFilter(request.query);
    const checks: Record<string, unknown> = {};
    for (const state of catalog.checks()) {
      const record = catalog.service(state.definition.serviceId);
      checks[state.definition.checkId] = checkView(state, record, node);
    }
    return json(reply, checks);
  });

  const ttlRoute = (status: CheckStatus) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = request.params as Params;
    const note = firstString((request.query as Query).note) ?? '';
    return answerTtl(reply, id!, status, note);
  };
  app.put('/agent/check/pass/:id', ttlRoute('passing'));
  app.put('/agent/check/warn/:id', ttlRoute('warning'));
  app.put('/agent/check/fail/:id', ttlRoute('critical'));
  app.put<{ Params: Params }>('/agent/check/update/:id', async (request, reply) => {
    const body = (request.body ?? {}) as { Status?: unknown; Output?: unknown };
    const status = body.Status;
    if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
      return plain(reply, 400, `Invalid check status: "${String(status)}"`);
    }
    const output = typeof body.Output === 'string' ? body.Output : '';
    return answerTtl(reply, request.params.id!, status, output);
  });

  function answerTtl(reply: FastifyReply, id: string, status: CheckStatus, output: string) {
    const outcome = catalog.updateTtl(id, status, output);
    if (outcome === 'unknown') {
      return plain(
        reply,
        404,
        `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    // Consul answers this misuse with a 500 and this text; clients match on it.
    if (outcome === 'not-ttl') return plain(reply, 500, `CheckID "${id}" does not have associated TTL`);
    return plain(reply, 200, '');
  }

  app.get<{ Params: Params; Querystring: Query }>('/health/service/:service', async (request, reply) => {
    const name = request.params.service!;
    const query = request.query;
    refuseFilter(query);
    const blocking = parseBlockingQuery(query);
    await awaitChange(catalog, () => catalog.serviceIndex(name), blocking, closedSignal(reply));
    const passingOnly = flag(query.passing);
    const tags = allStrings(query.tag);
    const entries = catalog
      .instancesOf(name)
      .filter((record) => hasTags(record, tags))
      .filter(
        (record) => !passingOnly || catalog.checksOf(record).every((state) => state.status === 'passing'),
      )
      .map((record) => healthEntryView(record, catalog, node));
    return json(reply, entries, catalog.serviceIndex(name));
  });

  app.get<{ Querystring: Query }>('/catalog/services', async (request, reply) => {
    refuseFilter(request.query);
    const blocking = parseBlockingQuery(request.query);
    await awaitChange(catalog, () => catalog.catalogIndex, blocking, closedSignal(reply));
    const services: Record<string, string[]> = {};
    for (const record of catalog.services()) {
      const tags = new Set([...(services[record.definition.name] ?? []), ...record.definition.tags]);
      services[record.definition.name] = [...tags];
    }
    return json(reply, services, catalog.catalogIndex);
  });

  app.get<{ Params: Params; Querystring: Query }>('/catalog/service/:service', async (request, reply) => {
    const name = request.params.service!;
    refuseFilter(request.query);
    const blocking = parseBlockingQuery(request.query);
    await awaitChange(catalog, () => catalog.serviceIndex(name), blocking, closedSignal(reply));
    const tags = allStrings(request.query.tag);
    const entries = catalog
      .instancesOf(name)
      .filter((record) => hasTags(record, tags))
      .map((record) => catalogServiceView(record, node));
    return json(reply, entries, catalog.serviceIndex(name));
  });

  const leader = `${node.address}:8300`;
  app.get('/status/leader', async (_request, reply) => json(reply, leader));
  app.get('/status/peers', async (_request, reply) => json(reply, [leader]));
}

function plain(reply: FastifyReply, status: number, text: string) {
  return reply.code(status).type('text/plain; charset=utf-8').send(text);
}

/** JSON with the headers Consul's clients read; `index` makes it a blocking-query answer. */
function json(reply: FastifyReply, body: unknown, index?: number) {
  if (index !== undefined) {
    reply.header('X-Consul-Index', String(index));
    reply.header('X-Consul-KnownLeader', 'true');
    reply.header('X-Consul-LastContact', '0');
  }
  return reply.code(200).type('application/json').send(JSON.stringify(body));
}

function closedSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}

/** Consul treats `?passing`, `?passing=true` and `?passing=1` as set. */
function flag(value: unknown): boolean {
  if (value === undefined) return false;
  const text = firstString(value) ?? '';
  return !['false', '0'].includes(text.toLowerCase());
}

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstString(value[0]);
  return typeof value === 'string' ? value : undefined;
}

function allStrings(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

function hasTags(record: ServiceRecord, tags: readonly string[]): boolean {
  return tags.every((tag) => record.definition.tags.includes(tag));
}

/** Silently ignoring a filter would return the wrong instances; saying so is safer. */
function refuseFilter(query: Query): void {
  if (query.filter !== undefined) {
    throw new BadQuery(
      'Failed to create boolexpr evaluator: filter expressions are not supported by the embedded registry',
    );
  }
}
