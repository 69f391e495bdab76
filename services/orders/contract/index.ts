/**
 * The orders service's published contract: the shapes of its API and events. Money is an integer number of
 * minor units (cents): exact, and the same in every language.
 */

import { defineEvent } from '@flotilla/kit/events';
import { UserId } from '@flotilla/users/contract';
import { type Static, Type } from '@sinclair/typebox';

export const OrderId = Type.String({ minLength: 1, maxLength: 64, description: 'Opaque order id' });

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 10_000;
/** 1,000,000.00 in minor units; with the other caps a total stays an exact JSON number. */
export const MAX_UNIT_PRICE = 100_000_000;

export const OrderItem = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
    unitPrice: Type.Integer({ minimum: 0, maximum: MAX_UNIT_PRICE, description: 'Minor units (cents)' }),
  },
  { additionalProperties: false },
);
export type OrderItem = Static<typeof OrderItem>;

export const CreateOrder = Type.Object(
  { userId: UserId, items: Type.Array(OrderItem, { minItems: 1, maxItems: MAX_ITEMS }) },
  { additionalProperties: false },
);
export type CreateOrder = Static<typeof CreateOrder>;

export const Order = Type.Object(
  {
    id: OrderId,
    userId: UserId,
    items: Type.Array(OrderItem),
    total: Type.Integer({ description: 'Sum of quantity × unitPrice, in minor units' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Order' },
);
export type Order = Static<typeof Order>;

export const CreateOrderHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Same key and body → the same order, once' }),
  ),
});

export const MAX_PAGE_SIZE = 100;
export const ListOrdersQuery = Type.Object(
  {
    userId: UserId,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'From the `Link: <…>; rel="next"` header' }),
    ),
  },
  { additionalProperties: false },
);

/** Published in the same transaction as the order, keyed by order id. Money in minor units. */
export const OrderPlaced = defineEvent({
  source: 'orders',
  type: 'order.placed',
  schema: Type.Object(
    {
      orderId: OrderId,
      userId: UserId,
      items: Type.Array(OrderItem, { minItems: 1, maxItems: MAX_ITEMS }),
      total: Type.Integer({ minimum: 0, description: 'Minor units (cents)' }),
      placedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
});
