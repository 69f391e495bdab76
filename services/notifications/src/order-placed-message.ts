import type { EventData } from '@flotilla/kit/events';
import type { OrderPlaced } from '@flotilla/orders/contract';

/** The text a user is told when an order is placed; money is in minor units, shown with two decimals. */
export function orderPlacedMessage(order: EventData<typeof OrderPlaced>): string {
  const count = order.items.reduce((sum, item) => sum + item.quantity, 0);
  const total = `${Math.floor(order.total / 100)}.${String(order.total % 100).padStart(2, '0')}`;
  return `Order ${order.orderId} placed: ${count} item${count === 1 ? '' : 's'}, total ${total}`;
}
