/** How far one partition's committed offset is behind its log end. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** `null` when the group never committed on it: it starts from the earliest record kept. */
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number;
}

/** A consumer group's lag: the records it has yet to commit, summed over its partitions. */
export interface ConsumerGroupLag {
  readonly group: string;
  readonly lag: number;
  readonly partitions: readonly PartitionLag[];
}

/** Reads the transport's consumer groups' lag; owned by the control plane, closed with it. */
export interface ConsumerLagReader {
  /** The system's groups are `<groupPrefix><service>`; only those are read. */
  readonly groupPrefix: string;
  read(): Promise<readonly ConsumerGroupLag[]>;
  close(): Promise<void>;
}

/** `ConsumerLagReader.read`'s outcome as the dashboard and `GET /api/transport` report it. */
export type ConsumerLagReading =
  | { readonly consumerGroups: readonly ConsumerGroupLag[] }
  | { readonly consumerLagError: string };

/** Never throws: a broker that does not answer is reported, not a failed page. */
export async function readConsumerLag(reader: ConsumerLagReader): Promise<ConsumerLagReading> {
  try {
    return { consumerGroups: await reader.read() };
  } catch (error) {
    return { consumerLagError: (error as Error).message };
  }
}
