import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Database } from '../db/index.js';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import {
  extractTraceContext,
  type Logger,
  SpanKind,
  SpanStatusCode,
  type Tracing,
  traceparentOf,
} from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventTransport, PublishOutcome } from './event-transport.js';
import type { EventsMetrics } from './events-metrics.js';
import { OUTBOX_CHANNEL } from './publish-event.js';

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

interface ClaimedRow {
  id: string;
  seq: string;
  attempts: number;
  event: CloudEvent;
}

/** Batches published and awaiting their confirms at once. */
const SENDS_IN_FLIGHT = 2;

/**
 * Claims are serialised on this lock so per-key ordering holds across relay instances. Advisory
 * locks are database-wide, so the key includes the schema: one service's slow claim must not stall
 * the relays of other services sharing the database.
 */
const CLAIM_LOCK_PREFIX = 'flotilla:outbox-claim:';

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
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
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
    this.#woken = true;
    this.#wake?.();
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
    if (rows.length === 0) {
      await this.#prune();
      return 0;
    }
    await this.#send(rows);
    return rows.length;
  }

  async #send(rows: ClaimedRow[]): Promise<void> {
    const spans = rows.map((row) => publishSpan(this.#options.tracing, row.event));
    let outcomes: PublishOutcome[];
    try {
      outcomes = await this.#options.transport.publish(
        rows.map((row, index) => spans[index]?.event ?? row.event),
      );
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      outcomes = rows.map(() => ({ ok: false, error: message }));
    }
    for (const [index, span] of spans.entries()) span?.end(outcomes[index]);
    await this.#record(rows, outcomes);
  }

  /**
   * Claims the next batch while earlier ones wait for their confirms, up to SENDS_IN_FLIGHT at
   * once. Key order holds: a row whose key has an earlier row claimed is not claimable.
   */
  async #run(): Promise<void> {
    const { logger, pollIntervalMs, batchSize, random } = this.#options;
    // A failing claim (the database unreachable) waits longer each time, jittered so that the
    // relays of every instance do not come back in step.
    const failureBackoff = { initialDelayMs: pollIntervalMs * 2, maxDelayMs: 30_000 };
    const sending = new Set<Promise<void>>();
    let failures = 0;
    while (this.#running) {
      this.#woken = false;
      let claimed = 0;
      try {
        const rows = await this.#claim();
        claimed = rows.length;
        if (claimed === 0) await this.#prune();
        else {
          const sent: Promise<void> = this.#send(rows).then(
            () => {
              sending.delete(sent);
              // Rows held back behind this batch's keys are claimable now.
              if (rows.some((row) => row.event.subject !== undefined)) this.wake();
            },
            (error: unknown) => {
              sending.delete(sent);
              failures++;
              logger.error({ err: error }, 'outbox relay: batch failed');
            },
          );
          sending.add(sent);
        }
        failures = 0;
      } catch (error) {
        failures++;
        logger.error({ err: error }, 'outbox relay: batch failed');
      }
      if (sending.size >= SENDS_IN_FLIGHT) await Promise.race(sending);
      if (!this.#running) break;
      if (claimed === batchSize && failures === 0) continue;
      if (this.#woken && failures === 0) continue;
      await this.#sleep(failures > 0 ? backoffDelay(failures, failureBackoff, random) : pollIntervalMs);
    }
    await Promise.all(sending);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  async #claim(): Promise<ClaimedRow[]> {
    const { db, batchSize, leaseMs } = this.#options;
    const rows = await db.transaction(async (tx) => {
      // A claim lost in a database crash only delays its rows, so it need not wait for the disk.
      await tx.query(
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || current_schema(), 0)), set_config('synchronous_commit', 'off', true)",
        [CLAIM_LOCK_PREFIX],
      );
      // A row waits behind the first row of its key that is backing off or claimed. That first
      // blocked seq is found once per key: a per-row NOT EXISTS was quadratic in the backlog and,
      // after a broker outage left every key blocked, one claim ran for minutes. Only rows that
      // were claimed or have failed can block (the flotilla_outbox_holding index holds just
      // those), and a row never tried is due whatever its insert time, so a claim reads its batch
      // and the rows in flight rather than the whole backlog. The batch is updated by primary
      // key (`= ANY`), not by a join the planner may turn into a scan of the table.
      const { rows } = await tx.query<ClaimedRow>(
        `WITH blocked AS (
           SELECT key, min(seq) AS seq FROM flotilla_outbox
           WHERE status = 'pending' AND (claimed_until IS NOT NULL OR attempts > 0)
             AND (claimed_until >= now() OR (attempts > 0 AND next_attempt_at > now()))
           GROUP BY key)
         UPDATE flotilla_outbox SET claimed_by = $2, claimed_until = now() + $3 * interval '1 millisecond'
         WHERE id = ANY(ARRAY(
           SELECT o.id FROM flotilla_outbox o LEFT JOIN blocked b ON b.key = o.key
           WHERE o.status = 'pending' AND (o.attempts = 0 OR o.next_attempt_at <= now())
             AND (o.claimed_until IS NULL OR o.claimed_until < now())
             AND (b.seq IS NULL OR o.seq < b.seq)
           ORDER BY o.seq
           LIMIT $1
           FOR UPDATE OF o SKIP LOCKED))
         RETURNING id, seq, attempts, event`,
        [batchSize, this.#relayId, leaseMs],
      );
      return rows;
    });
    // RETURNING order is unspecified; the transport must see each key's events in seq order.
    return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
  }

  async #record(rows: ClaimedRow[], outcomes: PublishOutcome[]): Promise<void> {
    const { db, maxAttempts, backoff, random, logger, metrics } = this.#options;
    const sent: string[] = [];
    const failedIds: string[] = [];
    const failedErrors: string[] = [];
    const failedDelays: number[] = [];
    rows.forEach((row, index) => {
      const outcome = outcomes[index] ?? { ok: false, error: 'transport returned no outcome' };
      if (outcome.ok) {
        sent.push(row.id);
        return;
      }
      failedIds.push(row.id);
      failedErrors.push(outcome.error);
      failedDelays.push(backoffDelay(row.attempts + 1, backoff, random));
    });
    if (sent.length > 0) {
      // A mark-sent lost in a database crash means a resend the inbox absorbs: no need to wait for
      // the disk (set_config applies to this statement's own transaction).
      await db.query(
        `UPDATE flotilla_outbox SET status = 'sent', sent_at = now(), claimed_until = NULL, last_error = NULL
         FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
         WHERE id = ANY($1::uuid[])`,
        [sent],
      );
      metrics?.outboxSent.inc(sent.length);
    }
    if (failedIds.length === 0) return;
    const { rows: failed } = await db.query<{ id: string; status: string; last_error: string }>(
      `UPDATE flotilla_outbox o SET
         attempts = o.attempts + 1,
         last_error = f.error,
         claimed_until = NULL,
         next_attempt_at = now() + f.delay * interval '1 millisecond',
         status = CASE WHEN o.attempts + 1 >= $4 THEN 'parked' ELSE 'pending' END
       FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS f(id, error, delay)
       WHERE o.id = f.id
       RETURNING o.id, o.status, o.last_error`,
      [failedIds, failedErrors, failedDelays, maxAttempts],
    );
    const parked = failed.filter((row) => row.status === 'parked');
    if (parked.length > 0) {
      metrics?.outboxParked.inc(parked.length);
      for (const row of parked) {
        logger.error(
          { eventId: row.id, error: row.last_error },
          'outbox: event parked after repeated failures',
        );
      }
    }
    logger.warn({ failed: failedIds.length, error: failedErrors[0] }, 'outbox: publish failed; will retry');
  }

  async #prune(): Promise<void> {
    const { db, retentionMs } = this.#options;
    if (Date.now() - this.#lastPrune < Math.min(retentionMs, 60_000)) return;
    this.#lastPrune = Date.now();
    await db.query(
      `DELETE FROM flotilla_outbox WHERE status = 'sent' AND sent_at < now() - $1 * interval '1 millisecond'`,
      [retentionMs],
    );
    await db.query(
      `DELETE FROM flotilla_deliveries WHERE delivered_at < now() - $1 * interval '1 millisecond'`,
      [retentionMs],
    );
  }
}

/**
 * A PRODUCER span for one event's trip to the transport, child of the span that wrote it. The event
 * goes out carrying this span's traceparent, so the consumer's span is the publish's child.
 */
function publishSpan(tracing: Tracing | undefined, event: CloudEvent) {
  if (!tracing) return undefined;
  const parent = extractTraceContext({ traceparent: event.traceparent });
  const span = tracing.tracer.startSpan(
    `${event.type} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'flotilla',
        'messaging.operation.type': 'publish',
        'messaging.destination.name': event.type,
        'messaging.message.id': event.id,
      },
    },
    parent,
  );
  const traceparent = traceparentOf(trace.setSpan(parent, span));
  return {
    event: traceparent ? { ...event, traceparent } : event,
    end(outcome: PublishOutcome | undefined) {
      if (!outcome?.ok) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: outcome?.ok === false ? outcome.error : 'not published',
        });
      }
      span.end();
    },
  };
}
