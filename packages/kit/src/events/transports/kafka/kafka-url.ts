/** How the Kafka transport creates a publisher's topic. */
export interface KafkaTopicSettings {
  /** Partitions of each topic; events of one key stay in one. */
  readonly partitions: number;
  /** Replicas of each partition; unset: as many as the cluster has brokers, at most 3. */
  readonly replicationFactor?: number;
  /** Replicas that must have a record before the broker acknowledges it (acks=all); unset: a majority. */
  readonly minInsyncReplicas?: number;
  /** How long records are kept; -1 keeps them forever. */
  readonly retentionMs: number;
}

/** What a `kafka://` URL says. */
export interface KafkaUrl {
  /** `host:port` of each bootstrap broker. */
  readonly brokers: readonly string[];
  /** How topics are created. */
  readonly topics: KafkaTopicSettings;
}

const DEFAULT_PARTITIONS = 3;
/** The outbox keeps sent rows 7 days; the topic keeps them as long, for consumers that were away. */
const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

const BROKER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Reads `kafka://host:port[,host:port…][?setting=value&…]`, the topic settings under Kafka's own
 * names: `partitions`, `replication.factor`, `min.insync.replicas`, `retention.ms`. Several brokers
 * make it no WHATWG URL, so it is read here rather than by `new URL`. Throws an Error saying what
 * is wrong, never echoing the URL: it may carry credentials.
 */
export function parseKafkaUrl(url: string): KafkaUrl {
  const match = /^kafka:\/\/([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!match) throw new Error('a Kafka URL is kafka://host:port[,host:port][?setting=value&…]');
  const [, authority = '', query = ''] = match;
  if (authority.includes('@')) {
    throw new Error('kafka:// takes no credentials: SASL and TLS are not supported yet');
  }
  const brokers = authority.split(',').map((broker) => broker.trim());
  if (brokers.some((broker) => broker === '')) throw new Error('kafka:// needs at least one host:port');
  for (const broker of brokers) {
    const port = Number(BROKER.exec(broker)?.[2]);
    if (!(port >= 1 && port <= 65_535)) {
      throw new Error('each Kafka broker must be host:port with a port from 1 to 65535');
    }
  }
  const settings = new URLSearchParams(query);
  const integer = (name: string, min: number): number | undefined => {
    const raw = settings.get(name);
    if (raw === null) return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || !Number.isSafeInteger(value)) {
      throw new Error(`kafka:// setting ${name} must be an integer of at least ${min}`);
    }
    return value;
  };
  const known = ['partitions', 'replication.factor', 'min.insync.replicas', 'retention.ms'];
  for (const name of settings.keys()) {
    if (!known.includes(name))
      throw new Error(`unknown kafka:// setting ${name} (known: ${known.join(', ')})`);
  }
  const replicationFactor = integer('replication.factor', 1);
  const minInsyncReplicas = integer('min.insync.replicas', 1);
  if (
    replicationFactor !== undefined &&
    minInsyncReplicas !== undefined &&
    minInsyncReplicas > replicationFactor
  ) {
    throw new Error('kafka:// setting min.insync.replicas must not exceed replication.factor');
  }
  return {
    brokers,
    topics: {
      partitions: integer('partitions', 1) ?? DEFAULT_PARTITIONS,
      ...(replicationFactor === undefined ? {} : { replicationFactor }),
      ...(minInsyncReplicas === undefined ? {} : { minInsyncReplicas }),
      retentionMs: integer('retention.ms', -1) ?? DEFAULT_RETENTION_MS,
    },
  };
}
