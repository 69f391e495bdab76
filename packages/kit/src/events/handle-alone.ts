import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import type { Logger } from '../telemetry/index.js';
import type { Work } from './delivery-plan.js';
import type { DeliveryOutcome, SubscriptionRunner } from './subscription-runner.js';

/**
 * One event for one subscription on its own: each attempt in its own transaction, retried with
 * backoff, dead-lettered after the last attempt, or at once when redelivered too often.
 */
export async function handleAlone(
  work: Work,
  runner: SubscriptionRunner,
  policy: {
    readonly maxAttempts: number;
    readonly maxDeliveries: number;
    readonly backoff: BackoffOptions;
    readonly logger: Logger;
  },
): Promise<DeliveryOutcome> {
  const { maxAttempts, maxDeliveries, backoff, logger } = policy;
  const { target, event, delivery } = work;
  const giveUp = (error: string, attempts: number) =>
    runner.deadLetter({
      subscription: target.name,
      eventId: event.id,
      event,
      delivery,
      error,
      attempts,
    });
  if (delivery.deliveryCount > maxDeliveries && !(await runner.processed(target, event.id))) {
    return giveUp(`delivered ${delivery.deliveryCount} times without being acknowledged`, 0);
  }
  let failure = work.failure;
  for (let attempt = work.firstAttempt; ; attempt++) {
    if (failure) {
      const failed = attempt - 1;
      const message = (failure.error as Error)?.message ?? String(failure.error);
      if (failed >= maxAttempts) return giveUp(message, failed);
      logger.warn(
        { subscription: target.name, eventId: event.id, attempt: failed, err: failure.error },
        'event handler failed; retrying',
      );
      await sleep(backoffDelay(failed, backoff));
    }
    try {
      return await runner.attempt(target, event, attempt);
    } catch (error) {
      failure = { error };
    }
  }
}
