import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import type { EventsMetrics } from './events-metrics.js';
import { type ClaimedRow, claimOutboxRows, deleteSentRows } from './outbox-store.js';
import { publishClaimed } from './publish-claimed.js';
import { OUTBOX_CHANNEL } from './publish-event.js';
import type { EventTransport } from './transports/event-transport.js';
import { WakeSignal } from './wake-signal.js';

export interface OutboxRelayOptions {
  readonly db: Database;
  readonly transport: EventTransport;
  readonly logger: Logger;
  readonly metrics?: EventsMetrics;
  readonly tracing?: Tracing;
  /** Rows claimed at once. */
  readonly batchSize?: number;
  /** How long a claim lasts; a relay that dies holding one loses it after this. */
  readonly leaseMs?: number;
  /** Polling backstop when no NOTIFY arrives (a lost notification, a dropped listen connection). */
  readonly pollIntervalMs?: number;
  /** Publish attempts per row before it is parked. */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffOptions;
  /** Sent rows older than this are deleted. */
  readonly retentionMs?: number;
  /** The backoff's jitter source; Math.random unless a test needs the delays fixed. */
  readonly random?: () => number;
}

/** Batches published and awaiting their confirms at once. */
const SENDS_IN_FLIGHT = 2;

/**
 * Moves committed outbox rows to the transport. Every instance runs one; they share the work by
 * claiming batches with `FOR UPDATE SKIP LOCKED` and a lease. A row is marked sent only after the
 * transport confirmed it; a failed row is retried with backoff, then parked. A row is claimable
 * only when no earlier unsent row with the same key is waiting or claimed elsewhere, so a failing
 * key holds back its own later events and no other key's.
 */
export class OutboxRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, 'metrics' | 'tracing'>> &
    Pick<OutboxRelayOptions, 'metrics' | 'tracing'>;
  readonly #relayId = randomUUID();
  readonly #signal = new WakeSignal();
  #running = false;
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #lastPrune = 0;

  constructor(options: OutboxRelayOptions) {
    this.#options = {
      batchSize: 500,
      leaseMs: 30_000,
      pollIntervalMs: 1_000,
      maxAttempts: 10,
      backoff: { initialDelayMs: 200, maxDelayMs: 60_000 },
      retentionMs: 7 * 24 * 3_600_000,
      random: Math.random,
      ...options,
    };
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      this.#unlisten = await this.#options.db.listen(OUTBOX_CHANNEL, () => this.wake());
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'outbox relay: LISTEN failed; polling only');
    }
    this.#loop = this.#run();
  }

  /** Makes the relay look for rows now instead of at the next poll. */
  wake(): void {
    this.#signal.wake();
  }

  /** Stops after the batch in hand, then drains what is claimable now (the shutdown flush). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await this.#loop;
    await this.#unlisten?.();
    try {
      while ((await this.runOnce()) === this.#options.batchSize) {}
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'outbox relay: final flush failed; rows stay pending');
    }
  }

  /** Claims one batch, publishes it and records the outcome; returns the number of rows claimed. */
  async runOnce(): Promise<number> {
    const rows = await this.#claim();
    if (rows.length > 0) await publishClaimed(rows, this.#options);
    return rows.length;
  }

  /**
   * Claims the next batch while earlier ones wait for their confirms, up to SENDS_IN_FLIGHT at
   * once. Key order holds: a row whose key has an earlier row claimed is not claimable.
   */
  async #run(): Promise<void> {
    const { logger, batchSize } = this.#options;
    const sending = new Set<Promise<void>>();
    let failures = 0;
    const failed = (error: unknown) => {
      failures++;
      logger.error({ err: error }, 'outbox relay: batch failed');
    };
    while (this.#running) {
      this.#signal.reset();
      let claimed = 0;
      try {
        const rows = await this.#claim();
        claimed = rows.length;
        if (claimed > 0) {
          const sent: Promise<void> = publishClaimed(rows, this.#options)
            .then(() => {
              // Rows held back behind this batch's keys are claimable now.
              if (rows.some((row) => row.event.subject !== undefined)) this.wake();
            }, failed)
            .finally(() => sending.delete(sent));
          sending.add(sent);
        }
        failures = 0;
      } catch (error) {
        failed(error);
      }
      if (sending.size >= SENDS_IN_FLIGHT) await Promise.race(sending);
      if (!this.#running) break;
      if (failures === 0 && (claimed === batchSize || this.#signal.woken)) continue;
      await this.#signal.pause(this.#pauseAfter(failures));
    }
    await Promise.all(sending);
  }

  /** The poll interval; after failures (the database unreachable), a longer wait each time. */
  #pauseAfter(failures: number): number {
    const { pollIntervalMs, random } = this.#options;
    if (failures === 0) return pollIntervalMs;
    // Jittered so that the relays of every instance do not come back in step.
    return backoffDelay(failures, { initialDelayMs: pollIntervalMs * 2, maxDelayMs: 30_000 }, random);
  }

  /** The next batch; when there is none, the relay is idle and prunes. */
  async #claim(): Promise<ClaimedRow[]> {
    const { db, batchSize, leaseMs } = this.#options;
    const rows = await claimOutboxRows(db, { relayId: this.#relayId, batchSize, leaseMs });
    if (rows.length === 0) await this.#prune();
    return rows;
  }

  /** Deletes rows sent longer ago than the retention, and what the transport kept about them. */
  async #prune(): Promise<void> {
    const { db, transport, retentionMs } = this.#options;
    if (Date.now() - this.#lastPrune < Math.min(retentionMs, 60_000)) return;
    this.#lastPrune = Date.now();
    await deleteSentRows(db, retentionMs);
    await transport.prune?.(retentionMs);
  }
}
