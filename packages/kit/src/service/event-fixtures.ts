import { Type } from '@sinclair/typebox';
import type { Queryable } from '../db/index.js';
import { defineEvent, subscription } from '../events/index.js';
import { defineService, type ServiceDefinition } from './index.js';

/** A small publisher's contract: one event type with a schema. */
export const ItemAdded = defineEvent({
  source: 'shop',
  type: 'item.added',
  schema: Type.Object({ n: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
});

export const ItemIgnored = defineEvent({ source: 'shop', type: 'item.ignored', schema: Type.Object({}) });

/** The publisher: `publishItems(n)` writes n rows and their events, one transaction each. */
export const shop = defineService({ name: 'shop', version: '1.0.0', routes: () => {} });

export async function createShopTables(tx: Queryable): Promise<void> {
  await tx.query('CREATE TABLE IF NOT EXISTS items (n int PRIMARY KEY)');
}

export interface LedgerOptions {
  /** Event numbers whose handler throws while `poisoned` says so. */
  readonly poisoned?: (n: number) => boolean;
  readonly calls?: Map<number, number>;
}

/** The subscriber: records each item once in `ledger`, in the same transaction as the inbox row. */
export function ledger(options: LedgerOptions = {}): ServiceDefinition {
  return defineService({
    name: 'ledger',
    version: '1.0.0',
    subscriptions: [
      subscription(ItemAdded, async (event, { tx }) => {
        const { n } = event.data as { n: number };
        options.calls?.set(n, (options.calls.get(n) ?? 0) + 1);
        if (options.poisoned?.(n)) throw new Error(`poison ${n}`);
        await tx.query('CREATE TABLE IF NOT EXISTS ledger (n int NOT NULL, key text, at bigserial)');
        await tx.query('INSERT INTO ledger (n, key) VALUES ($1, $2)', [n, event.subject ?? null]);
      }),
    ],
    routes: () => {},
  });
}
