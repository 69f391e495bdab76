import type { Database } from '../db/index.js';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import { publishSpan } from './event-spans.js';
import type { EventsMetrics } from './events-metrics.js';
import { type ClaimedRow, type FailedRow, markFailed, markSent } from './outbox-store.js';
import type { EventTransport, PublishOutcome } from './transports/event-transport.js';

export interface PublishClaimedOptions {
  readonly db: Database;
  readonly transport: EventTransport;
  readonly logger: Logger;
  readonly metrics?: EventsMetrics | undefined;
  readonly tracing?: Tracing | undefined;
  /** Publish attempts per row before it is parked. */
  readonly maxAttempts: number;
  /** How long after a failure a row is due again. */
  readonly backoff: BackoffOptions;
  /** The backoff's jitter source. */
  readonly random: () => number;
}

/**
 * Publishes a relay's claimed rows, each in its PRODUCER span, and records what the transport took:
 * those rows are sent; each other row is due again after its backoff, or parked after its last
 * attempt. A transport that throws has taken none of them.
 */
export async function publishClaimed(
  rows: readonly ClaimedRow[],
  options: PublishClaimedOptions,
): Promise<void> {
  const { db, transport, tracing, maxAttempts, backoff, random, logger, metrics } = options;
  const spans = rows.map((row) => publishSpan(tracing, row.event));
  let outcomes: PublishOutcome[];
  try {
    outcomes = await transport.publish(rows.map((row, index) => spans[index]?.event ?? row.event));
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    outcomes = rows.map(() => ({ ok: false, error: message }));
  }
  for (const [index, span] of spans.entries()) span?.end(outcomes[index]);

  const sent: string[] = [];
  const failed: FailedRow[] = [];
  rows.forEach((row, index) => {
    const outcome = outcomes[index] ?? { ok: false, error: 'transport returned no outcome' };
    if (outcome.ok) sent.push(row.id);
    else
      failed.push({
        id: row.id,
        error: outcome.error,
        delayMs: backoffDelay(row.attempts + 1, backoff, random),
      });
  });
  if (sent.length > 0) {
    await markSent(db, sent);
    metrics?.outboxSent.inc(sent.length);
  }
  if (failed.length === 0) return;
  const parked = await markFailed(db, failed, maxAttempts);
  if (parked.length > 0) {
    metrics?.outboxParked.inc(parked.length);
    for (const row of parked) {
      logger.error(
        { eventId: row.id, error: row.last_error },
        'outbox: event parked after repeated failures',
      );
    }
  }
  logger.warn({ failed: failed.length, error: failed[0]?.error }, 'outbox: publish failed; will retry');
}
