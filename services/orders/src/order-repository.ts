import { newId, type Queryable } from '@flotilla/kit/db';
import type { CreateOrder, Order } from '../contract/index.js';

interface OrderRow {
  id: string;
  user_id: string;
  total: string | number;
  created_at: Date | string;
  items: Order['items'] | string;
  request_hash?: string | null;
}

const SELECT = `select o.id, o.user_id, o.total, o.created_at, o.request_hash,
  coalesce((select json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unitPrice', l.unit_price)
                            order by l.line_no)
            from order_lines l where l.order_id = o.id), '[]'::json) as items
  from orders o`;

function toOrder(row: OrderRow): Order {
  const items = typeof row.items === 'string' ? (JSON.parse(row.items) as Order['items']) : row.items;
  return {
    id: row.id,
    userId: row.user_id,
    items: items.map((item) => ({
      sku: item.sku,
      quantity: Number(item.quantity),
      unitPrice: Number(item.unitPrice),
    })),
    total: Number(row.total),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export interface Idempotency {
  readonly key: string;
  readonly requestHash: string;
}

/**
 * Stores the order and its lines through `tx` (the caller's transaction, so the order.placed event
 * commits with them); a reused idempotency key fails with a unique violation.
 */
export async function insertOrder(
  tx: Queryable,
  input: CreateOrder,
  idempotency?: Idempotency,
): Promise<Order> {
  const id = newId();
  const total = input.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  await tx.query(
    'insert into orders (id, user_id, total, idempotency_key, request_hash) values ($1, $2, $3, $4, $5)',
    [id, input.userId, total, idempotency?.key ?? null, idempotency?.requestHash ?? null],
  );
  for (const [index, item] of input.items.entries()) {
    await tx.query(
      'insert into order_lines (order_id, line_no, sku, quantity, unit_price) values ($1, $2, $3, $4, $5)',
      [id, index + 1, item.sku, item.quantity, item.unitPrice],
    );
  }
  return (await findOrder(tx, id))!;
}

export async function findOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(`${SELECT} where o.id = $1`, [id]);
  return rows[0] && toOrder(rows[0]);
}

/** The order an idempotency key created, with the hash of the request that created it. */
export async function findOrderByKey(
  db: Queryable,
  key: string,
): Promise<{ order: Order; requestHash: string } | undefined> {
  const { rows } = await db.query<OrderRow>(`${SELECT} where o.idempotency_key = $1`, [key]);
  const row = rows[0];
  return row && { order: toOrder(row), requestHash: row.request_hash ?? '' };
}

/** Newest first, keyset-paged by id (time-ordered UUIDv7). */
export async function listOrders(
  db: Queryable,
  userId: string,
  limit: number,
  before: string | undefined,
): Promise<Order[]> {
  const { rows } = before
    ? await db.query<OrderRow>(`${SELECT} where o.user_id = $1 and o.id < $2 order by o.id desc limit $3`, [
        userId,
        before,
        limit,
      ])
    : await db.query<OrderRow>(`${SELECT} where o.user_id = $1 order by o.id desc limit $2`, [userId, limit]);
  return rows.map(toOrder);
}
