/**
 * The notifications service's published contract: the shapes of its API. It publishes no events;
 * it consumes orders' `order.placed` (declared in the orders contract).
 */
import { OrderId } from '@flotilla/orders/contract';
import { UserId } from '@flotilla/users/contract';
import { type Static, Type } from '@sinclair/typebox';

export const NotificationId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'Opaque notification id',
});

export const Notification = Type.Object(
  {
    id: NotificationId,
    orderId: OrderId,
    userId: UserId,
    message: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Notification' },
);
export type Notification = Static<typeof Notification>;

export const MAX_PAGE_SIZE = 100;

export const ListNotificationsQuery = Type.Object(
  {
    userId: UserId,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
  },
  { additionalProperties: false },
);
