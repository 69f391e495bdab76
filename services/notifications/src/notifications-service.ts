import { defineService } from '@flotilla/kit';
import { orderNotifications } from './order-notifications.js';
import { pruneNotifications } from './prune-notifications.js';
import { notificationRoutes } from './routes.js';

export const notificationsService = defineService({
  name: 'notifications',
  version: '0.1.0',
  description: 'Notifications of the reference system: one per order placed, from orders’ events.',
  publicPrefix: '/api/notifications',
  migrations: new URL('../migrations/', import.meta.url),
  subscriptions: [orderNotifications],
  jobs: [pruneNotifications],
  routes: notificationRoutes,
});
