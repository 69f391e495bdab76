import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import type { EventsMetrics } from './events-metrics.js';
import {
  type CursorPosition,
  leaseCursor,
  type OutboxRow,
  pruneOutbox,
  type RetryEntry,
  readOutbox,
  releaseCursor,
  saveCursor,
} from './outbox-cursor.js';
import {
  claimRetryRows,
  deleteRetried,
  type FailedRow,
  hasPendingRetries,
  markFailed,
} from './outbox-retry.js';
import { publishBatch } from './publish-batch.js';
import { OUTBOX_CHANNEL } from './publish-event.js';
import type { EventTransport } from './transports/event-transport.js';
import { WakeSignal } from './wake-signal.js';

/** What a relay needs, and its tuning. */
export interface OutboxRelayOptions {
  /** The service's database, which holds its outbox. */
  readonly db: Database;
  /** Where the events go. */
  readonly transport: EventTransport;
  /** Failures and parked events are logged here. */
  readonly logger: Logger;
  /** Sent and parked counters. */
  readonly metrics?: EventsMetrics;
  /** A PRODUCER span per event published, in the trace that caused it. */
  readonly tracing?: Tracing;
  /** Rows read or claimed at once. */
  readonly batchSize?: number;
  /**
   * How long the cursor's lease and a retry claim last: a relay that dies holding them delays
   * delivery by at most this.
   */
  readonly leaseMs?: number;
  /** Polling backstop when no wake-up arrives (another instance's publish, a retry falling due). */
  readonly pollIntervalMs?: number;
  /** Publish attempts per row before it is parked. */
  readonly maxAttempts?: number;
  /** The wait before a failed row's next attempt. */
  readonly backoff?: BackoffOptions;
  /** Handled rows older than this are deleted. */
  readonly retentionMs?: number;
  /** The backoff's jitter source; Math.random unless a test needs the delays fixed. */
  readonly random?: () => number;
}

/** Batches published and awaiting their confirms at once. */
const SENDS_IN_FLIGHT = 2;
/** Another instance's relay is told of this instance's commits at most this often. */
const NOTIFY_INTERVAL_MS = 50;
/** Rows one prune statement deletes; an idle relay repeats it up to PRUNE_ROUNDS times. */
const PRUNE_BATCH = 5_000;
const PRUNE_ROUNDS = 20;

class LeaseLost extends Error {
  constructor() {
    super('outbox relay: another relay took the cursor');
  }
}

interface Sending {
  readonly keys: ReadonlySet<string>;
  readonly done: Promise<void>;
}

/**
 * Moves committed outbox rows to the transport. The outbox is insert-only: one relay at a time
 * holds the cursor's lease and reads the rows of each newly committed transaction in order; it
 * saves its position only after the transport confirmed every row before it, so a relay that dies
 * costs a resend (absorbed by the consumers' inbox), never a lost event. A row the transport
 * refuses moves to the retry table with the later rows of its key, so a failing key holds back
 * its own events and no other key's; every instance's relay works through that table with
 * backoff, then parks what keeps failing. See docs/adr/0005-insert-only-outbox.md.
 */
export class OutboxRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, 'metrics' | 'tracing'>> &
    Pick<OutboxRelayOptions, 'metrics' | 'tracing'>;
  readonly #relayId = randomUUID();
  readonly #signal = new WakeSignal();
  #running = false;
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  /** The read position while this relay holds the lease, ahead of the saved one by what is in flight. */
  #position: CursorPosition | undefined;
  #sending: Sending[] = [];
  /** The position of the last batch read, saved in order after the batches before it. */
  #saved: Promise<void> = Promise.resolve();
  #lastSaveAt = 0;
  /** Keys that went to the retry table while later batches were in flight. */
  readonly #retriedKeys = new Set<string>();
  #retriesWaiting = false;
  #lastRetryCheck = 0;
  #lastPrune = 0;
  #lastNotify = 0;
  #notifyLater: NodeJS.Timeout | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#options = {
      batchSize: 500,
      leaseMs: 10_000,
      pollIntervalMs: 1_000,
      maxAttempts: 10,
      backoff: { initialDelayMs: 200, maxDelayMs: 60_000 },
      retentionMs: 7 * 24 * 3_600_000,
      random: Math.random,
      ...options,
    };
  }

  /** Listens for other instances' wake-ups and starts the relay's loop. */
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

  /**
   * A transaction of this process that wrote outbox rows has committed. Publishing sends no
   * NOTIFY inside the transaction: PostgreSQL holds a database-wide lock from NOTIFY to the end
   * of the commit, so notifying transactions could not share disk flushes. When this relay holds
   * the cursor it is woken in-process; otherwise the relay that holds it is told by a NOTIFY of
   * its own, at most once per NOTIFY_INTERVAL_MS.
   */
  published(): void {
    if (this.#position) {
      this.wake();
      return;
    }
    if (this.#notifyLater) return;
    const wait = this.#lastNotify + NOTIFY_INTERVAL_MS - Date.now();
    const notify = () => {
      this.#notifyLater = undefined;
      this.#lastNotify = Date.now();
      this.#options.db.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']).catch((error: unknown) => {
        this.#options.logger.warn({ err: error }, 'outbox relay: NOTIFY failed; the other relay polls');
      });
    };
    if (wait <= 0) notify();
    else this.#notifyLater = setTimeout(notify, wait).unref();
  }

  /** Stops after the batches in hand, drains what is readable now, and gives up the lease. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await this.#loop;
    await this.#unlisten?.();
    clearTimeout(this.#notifyLater);
    try {
      while ((await this.runOnce()) === this.#options.batchSize) {}
      if (this.#position) await releaseCursor(this.#options.db, this.#relayId);
    } catch (error) {
      this.#options.logger.warn(
        { err: error },
        'outbox relay: final flush failed; rows stay for the next relay',
      );
    }
    this.#position = undefined;
  }

  /** One pass, each batch confirmed and saved before it returns: the rows handled. */
  async runOnce(): Promise<number> {
    this.#lastRetryCheck = 0;
    try {
      const retried = await this.#retryOnce();
      const read = await this.#readOnce();
      await this.#drainSending();
      return retried + read;
    } catch (error) {
      await this.#restartFromSaved();
      throw error;
    }
  }

  async #run(): Promise<void> {
    const { logger, batchSize } = this.#options;
    let failures = 0;
    while (this.#running) {
      this.#signal.reset();
      let handled = 0;
      try {
        handled = (await this.#retryOnce()) + (await this.#readOnce());
        failures = 0;
      } catch (error) {
        failures++;
        if (!(error instanceof LeaseLost)) logger.error({ err: error }, 'outbox relay: batch failed');
        await this.#restartFromSaved();
      }
      if (!this.#running) break;
      if (failures === 0 && (handled === batchSize || this.#signal.woken)) continue;
      await this.#signal.pause(this.#pauseAfter(failures));
    }
    await this.#drainSending().catch(async (error: unknown) => {
      logger.warn({ err: error }, 'outbox relay: last batch not saved; it will be sent again');
      await this.#restartFromSaved();
    });
  }

  /**
   * After a failed send or save, forgets what is in flight and reads again from the saved position
   * (under the lease again): what was sent since is sent again, and nothing is skipped.
   */
  async #restartFromSaved(): Promise<void> {
    await Promise.allSettled(this.#sending.map((batch) => batch.done));
    this.#sending = [];
    this.#saved = Promise.resolve();
    this.#position = undefined;
  }

  /** The poll interval; after failures (the database unreachable), a longer wait each time. */
  #pauseAfter(failures: number): number {
    const { pollIntervalMs, random } = this.#options;
    if (failures === 0) return pollIntervalMs;
    // Jittered so that the relays of every instance do not come back in step.
    return backoffDelay(failures, { initialDelayMs: pollIntervalMs * 2, maxDelayMs: 30_000 }, random);
  }

  /**
   * Reads the next batch past the cursor and sends it, keeping up to SENDS_IN_FLIGHT batches
   * unconfirmed. A batch that shares a key with one in flight waits for it, so that a row refused
   * there holds back this batch's rows of its key.
   */
  async #readOnce(): Promise<number> {
    const { db, batchSize, leaseMs } = this.#options;
    if (this.#sending.length === 0) this.#retriedKeys.clear();
    this.#position ??= await leaseCursor(db, this.#relayId, leaseMs);
    if (!this.#position) return 0;
    const from = this.#position;
    const { rows, next } = await readOutbox(db, from, batchSize);
    this.#position = next;
    // The end of a window read earlier says nothing of what committed since: read the next at once.
    if (from.upto !== null && next.upto === null) this.wake();
    if (rows.length === 0 && Date.now() - this.#lastSaveAt < leaseMs / 3) {
      await this.#prune();
      return 0;
    }
    const keys = new Set(rows.flatMap((row) => (row.key === null ? [] : [row.key])));
    if (this.#sending.some((batch) => [...batch.keys].some((key) => keys.has(key))))
      await this.#drainSending();
    const done = this.#send(rows, next);
    const sending: Sending = { keys, done };
    this.#sending.push(sending);
    const finished = () => {
      const index = this.#sending.indexOf(sending);
      if (index >= 0) this.#sending.splice(index, 1);
    };
    void done.then(finished, finished);
    if (this.#sending.length >= SENDS_IN_FLIGHT) await this.#sending[0]!.done;
    return rows.length;
  }

  async #drainSending(): Promise<void> {
    while (this.#sending.length > 0) await this.#sending[0]!.done;
  }

  /** Publishes a batch, then saves the position after it once the batches before it are saved. */
  #send(rows: readonly OutboxRow[], position: CursorPosition): Promise<void> {
    const { db, transport, tracing, leaseMs, maxAttempts } = this.#options;
    const relayId = this.#relayId;
    const before = this.#saved;
    const done = (async () => {
      const held = (row: OutboxRow) => row.held || (row.key !== null && this.#retriedKeys.has(row.key));
      const toSend = rows.filter((row) => !held(row));
      const outcomes =
        toSend.length > 0
          ? await publishBatch(
              toSend.map((row) => row.event),
              { transport, tracing },
            )
          : [];
      const outcomeOf = new Map(toSend.map((row, index) => [row, outcomes[index]!]));
      const retry: RetryEntry[] = [];
      for (const row of rows) {
        const outcome = outcomeOf.get(row);
        if (outcome?.ok) continue;
        retry.push(
          outcome
            ? { id: row.id, attempts: 1, delayMs: this.#delay(1), error: outcome.error }
            : { id: row.id, attempts: 0, delayMs: 0, error: null },
        );
        if (row.key !== null) this.#retriedKeys.add(row.key);
      }
      await before;
      const { saved, parked } = await saveCursor(db, { relayId, leaseMs, position, retry, maxAttempts });
      if (!saved) throw new LeaseLost();
      this.#lastSaveAt = Date.now();
      this.#options.metrics?.outboxSent.inc(rows.length - retry.length);
      if (retry.length > 0) this.#retriesWaiting = true;
      this.#reportFailures(
        retry.filter((entry) => entry.error !== null),
        parked,
      );
    })();
    this.#saved = done;
    return done;
  }

  /** Claims due rows of the retry table and sends them again, when there are any. */
  async #retryOnce(): Promise<number> {
    const { db, transport, tracing, batchSize, leaseMs, maxAttempts, pollIntervalMs } = this.#options;
    if (!this.#retriesWaiting && Date.now() - this.#lastRetryCheck >= pollIntervalMs) {
      this.#lastRetryCheck = Date.now();
      this.#retriesWaiting = await hasPendingRetries(db);
    }
    if (!this.#retriesWaiting) return 0;
    const rows = await claimRetryRows(db, { relayId: this.#relayId, batchSize, leaseMs });
    if (rows.length < batchSize) this.#retriesWaiting = false;
    if (rows.length === 0) return 0;
    const outcomes = await publishBatch(
      rows.map((row) => row.event),
      { transport, tracing },
    );
    const sent = rows.filter((_row, index) => outcomes[index]!.ok).map((row) => row.id);
    const failed: FailedRow[] = rows.flatMap((row, index) => {
      const outcome = outcomes[index]!;
      return outcome.ok ? [] : [{ id: row.id, error: outcome.error, delayMs: this.#delay(row.attempts + 1) }];
    });
    if (sent.length > 0) {
      await deleteRetried(db, sent);
      this.#options.metrics?.outboxSent.inc(sent.length);
      // Rows of these keys read since are no longer held back.
      this.wake();
    }
    if (failed.length > 0) this.#reportFailures(failed, await markFailed(db, failed, maxAttempts));
    return rows.length;
  }

  #delay(attempt: number): number {
    return backoffDelay(attempt, this.#options.backoff, this.#options.random);
  }

  #reportFailures(
    failed: readonly { readonly error: string | null }[],
    parked: readonly { readonly id: string; readonly last_error: string }[],
  ): void {
    const { logger, metrics } = this.#options;
    if (parked.length > 0) {
      metrics?.outboxParked.inc(parked.length);
      for (const row of parked) {
        logger.error(
          { eventId: row.id, error: row.last_error },
          'outbox: event parked after repeated failures',
        );
      }
    }
    if (failed.length > 0) {
      logger.warn({ failed: failed.length, error: failed[0]?.error }, 'outbox: publish failed; will retry');
    }
  }

  /** Deletes handled rows older than the retention, and what the transport kept about them. */
  async #prune(): Promise<void> {
    const { db, transport, retentionMs } = this.#options;
    if (Date.now() - this.#lastPrune < Math.min(retentionMs, 60_000)) return;
    this.#lastPrune = Date.now();
    for (let round = 0; round < PRUNE_ROUNDS; round++) {
      if ((await pruneOutbox(db, retentionMs, PRUNE_BATCH)) < PRUNE_BATCH) break;
    }
    await transport.prune?.(retentionMs);
  }
}
