import { defineService } from '@flotilla/kit';
import { orderRoutes } from './routes.js';
import { userReplica } from './user-replica.js';

export const ordersService = defineService({
  name: 'orders',
  version: '0.1.0',
  description:
    'Orders of the reference system, in their own database; users are checked through the service client, with a local replica of users as the fallback.',
  publicPrefix: '/api/orders',
  calls: ['users'],
  migrations: new URL('../migrations/', import.meta.url),
  subscriptions: [userReplica],
  routes: orderRoutes,
});
