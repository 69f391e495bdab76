import { amqpEngine } from './amqp/index.js';
import { embeddedEngine } from './embedded/index.js';
import type { EventTransport, TransportContext, TransportEngine } from './event-transport.js';
import { kafkaEngine } from './kafka/index.js';
import { natsEngine } from './nats/index.js';

/** The engine that moves events when no URL is given. */
const EMBEDDED = 'embedded';

const engines = new Map<string, TransportEngine>();

/**
 * Makes `openTransport` and `describeTransport` answer URLs of these schemes (`amqp`, or `amqp:`)
 * with `engine`. A later registration of a scheme replaces the earlier one, built-ins included.
 */
export function registerTransport(schemes: string | readonly string[], engine: TransportEngine): void {
  for (const scheme of typeof schemes === 'string' ? [schemes] : schemes) {
    engines.set(scheme.replace(/:$/, '').toLowerCase(), engine);
  }
}

registerTransport(EMBEDDED, embeddedEngine);
registerTransport(['amqp', 'amqps'], amqpEngine);
registerTransport('nats', natsEngine);
registerTransport('kafka', kafkaEngine);

/** Which transport to open, and what it may need. */
export interface OpenTransportOptions extends Partial<Pick<TransportContext, 'namespace' | 'onError'>> {
  /** Chooses the engine by its scheme (`amqp://`, `nats://`, `kafka://`, …); empty → embedded. */
  readonly url?: string | undefined;
  /** The service's database. */
  readonly db: TransportContext['db'];
  /** Who subscribes to what. */
  readonly directory: TransportContext['directory'];
}

/** Opens the transport `url` selects; only that engine's driver is loaded. */
export async function openTransport(options: OpenTransportOptions): Promise<EventTransport> {
  const { url, db, directory, namespace = 'flotilla', onError = () => {} } = options;
  return engineOf(url).open(url ?? '', { db, directory, namespace, onError });
}

/** What the dashboard shows of a transport: its names and where it runs, never its credentials. */
export interface TransportDescription {
  /** The transport's short name, e.g. `amqp`. */
  readonly kind: string;
  /** The engine's name, e.g. `RabbitMQ`. */
  readonly label: string;
  /** `host:port` it runs at, without credentials. */
  readonly endpoint?: string;
}

/** Describes the transport `url` selects without loading its driver or connecting. */
export function describeTransport(url: string | undefined): TransportDescription {
  const { kind, label, endpoint = hostAndPort } = engineOf(url);
  const where = url ? endpoint(url) : undefined;
  return where === undefined ? { kind, label } : { kind, label, endpoint: where };
}

function engineOf(url: string | undefined): TransportEngine {
  const colon = url ? url.indexOf(':') : -1;
  const scheme = url ? url.slice(0, Math.max(colon, 0)).toLowerCase() : EMBEDDED;
  const engine = engines.get(scheme);
  if (engine) return engine;
  const known = [...engines.keys()].filter((name) => name !== EMBEDDED).map((name) => `${name}://`);
  throw new Error(`Unsupported EVENTS_URL scheme "${scheme ? `${scheme}:` : url}": use ${known.join(', ')}`);
}

function hostAndPort(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port}`;
}
