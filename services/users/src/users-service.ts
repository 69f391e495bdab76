import { defineService } from '@flotilla/kit';
import { userRoutes } from './routes.js';

export const usersService = defineService({
  name: 'users',
  version: '0.1.0',
  description: 'Users of the reference system, in their own database.',
  publicPrefix: '/api/users',
  migrations: new URL('../migrations/', import.meta.url),
  routes: userRoutes,
});
