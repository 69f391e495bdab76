/** A service instance that subscribes to events, as the embedded transport delivers to it. */
export interface Subscriber {
  /** The subscribing service: the embedded transport records deliveries per service. */
  readonly service: string;
  /** Base URL of one of its instances; events go to `${url}/events/deliver`. */
  readonly url: string;
}

/**
 * Who subscribes to what, and where they are: the embedded transport asks this for each event.
 * Implemented over fixed URLs for tests and over the registry in a running system; services
 * answer `GET /events/subscriptions` with what they want (as Dapr's `/dapr/subscribe`).
 */
export interface SubscriberDirectory {
  /** One instance per subscribing service whose subscriptions match the event's source and type. */
  subscribersOf(source: string, type: string): Promise<readonly Subscriber[]>;
}

/** A directory that knows nobody: with it, every event is unroutable (retried, then parked). */
export const noSubscribers: SubscriberDirectory = { subscribersOf: async () => [] };
