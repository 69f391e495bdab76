import { randomUUID } from 'node:crypto';

/** One request of the reference system's traffic, and what to remember from its answer. */
export interface PlannedRequest {
  readonly operation: 'create-user' | 'place-order' | 'read-user' | 'read-order';
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const json = { 'content-type': 'application/json' };

/**
 * Realistic traffic for the reference system: people sign up, place orders, and read both back.
 * Ids come from earlier answers, so reads hit real rows; until a user exists, it creates one.
 */
export class TrafficMix {
  readonly #users: string[] = [];
  readonly #orders: string[] = [];
  readonly #run = randomUUID().slice(0, 8);
  #sequence = 0;

  constructor(private readonly random: () => number = Math.random) {}

  next(): PlannedRequest {
    const roll = this.random();
    if (this.#users.length === 0 || roll < 0.2) return this.#createUser();
    if (this.#orders.length === 0 || roll < 0.5) return this.#placeOrder();
    if (roll < 0.75)
      return {
        operation: 'read-user',
        method: 'GET',
        path: `/api/users/${this.#pick(this.#users)}`,
        headers: {},
      };
    return {
      operation: 'read-order',
      method: 'GET',
      path: `/api/orders/${this.#pick(this.#orders)}`,
      headers: {},
    };
  }

  /** Remembers the id a create answered with, for later reads and orders. */
  record(request: PlannedRequest, status: number, body: unknown): void {
    const id = (body as { id?: unknown } | undefined)?.id;
    if (status !== 201 && status !== 200) return;
    if (typeof id !== 'string') return;
    if (request.operation === 'create-user') this.#users.push(id);
    if (request.operation === 'place-order') this.#orders.push(id);
  }

  #createUser(): PlannedRequest {
    const n = ++this.#sequence;
    return {
      operation: 'create-user',
      method: 'POST',
      path: '/api/users',
      headers: json,
      body: JSON.stringify({ name: `Load ${n}`, email: `load-${this.#run}-${n}@example.com` }),
    };
  }

  #placeOrder(): PlannedRequest {
    const quantity = 1 + Math.floor(this.random() * 3);
    return {
      operation: 'place-order',
      method: 'POST',
      path: '/api/orders',
      // A retried POST with the same key is the same order, once.
      headers: { ...json, 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        userId: this.#pick(this.#users),
        items: [{ sku: `SKU-${1 + Math.floor(this.random() * 50)}`, quantity, unitPrice: 1299 }],
      }),
    };
  }

  #pick(ids: readonly string[]): string {
    return ids[Math.floor(this.random() * ids.length)]!;
  }
}
