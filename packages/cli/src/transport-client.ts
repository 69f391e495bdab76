import { httpJson } from './http-json.js';

/** The control plane's `GET /api/transport`: a path of its dashboard, not of Consul's API. */
export const TRANSPORT_PATH = '/api/transport';

export interface ConsumerGroupLag {
  readonly group: string;
  /** Records the group has yet to commit, summed over its partitions. */
  readonly lag: number;
  readonly partitions: readonly unknown[];
}

export interface TransportReport {
  readonly kind: string;
  /** What a person calls it (RabbitMQ, Apache Kafka, …); older control planes send only the kind. */
  readonly label?: string;
  readonly endpoint?: string;
  /** Where the broker keeps consumer offsets (Kafka). */
  readonly consumerGroups?: readonly ConsumerGroupLag[];
  readonly consumerLagError?: string;
}

/**
 * The system's events transport as the control plane knows it, or `undefined` when the registry is
 * not a control plane (a real Consul agent answers 404) or does not answer in time.
 */
export async function readTransport(
  registryUrl: string,
  timeoutMs = 6_000,
): Promise<TransportReport | undefined> {
  try {
    const { status, body } = await httpJson<{ transport?: TransportReport | null }>(
      `${registryUrl}${TRANSPORT_PATH}`,
      { timeoutMs },
    );
    const transport = status === 200 ? body?.transport : undefined;
    return typeof transport?.kind === 'string' ? transport : undefined;
  } catch {
    return undefined;
  }
}
