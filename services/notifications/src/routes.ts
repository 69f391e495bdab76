import { FlotillaError, type ServiceContext } from '@flotilla/kit';
import type { HttpServer } from '@flotilla/kit/http';
import { Type } from '@sinclair/typebox';
import { ListNotificationsQuery, Notification, NotificationId } from '../contract/index.js';
import { findNotification, listNotifications } from './notification-repository.js';

const IdParams = Type.Object({ id: NotificationId });
const tags = ['notifications'];

export function notificationRoutes(app: HttpServer, { db }: ServiceContext): void {
  app.get(
    '/notifications/:id',
    { schema: { tags, params: IdParams, response: { 200: Notification } } },
    async (request) => {
      const notification = await findNotification(db, request.params.id);
      if (!notification) {
        throw new FlotillaError('NOT_FOUND', { detail: `no notification with id ${request.params.id}` });
      }
      return notification;
    },
  );

  app.get(
    '/notifications',
    { schema: { tags, querystring: ListNotificationsQuery, response: { 200: Type.Array(Notification) } } },
    async (request) => listNotifications(db, request.query.userId, request.query.limit ?? 20),
  );
}
