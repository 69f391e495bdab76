import { request } from 'undici';
import type { Subscriber, SubscriberDirectory } from './subscriber-directory.js';
import { matchesSubscription } from './type-pattern.js';

/** One `GET /events/subscriptions` answer. */
export interface SubscriptionList {
  /** The answering service. */
  readonly service: string;
  /** Its subscriptions: name, publisher and type patterns. */
  readonly subscriptions: readonly {
    readonly name: string;
    readonly from: string;
    readonly patterns: readonly string[];
  }[];
}

/** Where a directory asks services for their subscriptions. */
export interface HttpSubscriberDirectoryOptions {
  /**
   * One instance per service that may subscribe: fixed URLs in tests, the registry's instances
   * otherwise. List a service even when none of its instances passes, so its events wait.
   */
  readonly instances: () => Promise<readonly Subscriber[]>;
  /** How long a fetched subscription list is trusted. */
  readonly cacheMs?: number;
  /** Longest wait for one service's list. */
  readonly timeoutMs?: number;
  /** Milliseconds since the epoch; `Date.now` unless a test moves time itself. */
  readonly clock?: () => number;
}

/**
 * A SubscriberDirectory that asks each service for its subscription list and caches the answers
 * briefly. When a service does not answer, its last known list is used (delivery to it then fails
 * and the relay retries), so an event is never marked delivered behind a subscriber's back while
 * it restarts. A service never seen answering since this process started is unknown to it.
 */
export function httpSubscriberDirectory(options: HttpSubscriberDirectoryOptions): SubscriberDirectory {
  const cacheMs = options.cacheMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const clock = options.clock ?? Date.now;
  const lastKnown = new Map<string, SubscriptionList>();
  let cached: { at: number; lists: { url: string; list: SubscriptionList }[] } | undefined;

  async function lists() {
    if (cached && clock() - cached.at < cacheMs) return cached.lists;
    const instances = await options.instances();
    const answers = await Promise.all(
      instances.map(async ({ service, url }) => {
        try {
          const response = await request(`${url}/events/subscriptions`, {
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          });
          if (response.statusCode !== 200) {
            await response.body.dump();
            throw new Error(`status ${response.statusCode}`);
          }
          const list = (await response.body.json()) as SubscriptionList;
          lastKnown.set(service, list);
          return { url, list };
        } catch {
          const known = lastKnown.get(service);
          return known && { url, list: known };
        }
      }),
    );
    const found = answers.filter((answer) => answer !== undefined);
    cached = { at: clock(), lists: found };
    return found;
  }

  return {
    async subscribersOf(source, type) {
      const byService = new Map<string, Subscriber>();
      for (const { url, list } of await lists()) {
        const wants = list.subscriptions.some((entry) =>
          matchesSubscription(entry.from, entry.patterns, { source, type }),
        );
        if (wants && !byService.has(list.service))
          byService.set(list.service, { service: list.service, url });
      }
      return [...byService.values()];
    },
  };
}
