import type { EventData } from '@flotilla/kit/events';
import { subscription } from '@flotilla/kit/events';
import { OrderPlaced } from '@flotilla/orders/contract';
import { insertNotification } from './notification-repository.js';
import { orderPlacedMessage } from './order-placed-message.js';

/** Records a notification for each order placed; the kit's inbox makes a redelivery a no-op. */
export const orderNotifications = subscription(
  OrderPlaced,
  async (event, { tx }) => {
    const order = event.data as EventData<typeof OrderPlaced>;
    await insertNotification(tx, {
      orderId: order.orderId,
      userId: order.userId,
      message: orderPlacedMessage(order),
    });
  },
  { name: 'order-notifications' },
);
