import { FlotillaError, type ServiceContext } from '@flotilla/kit';
import { contractRoute } from '@flotilla/kit/client';
import { decodeCursor, encodeCursor, type HttpServer } from '@flotilla/kit/http';
import { UserCreated, UserDeleted, UserUpdated, usersApi } from '../contract/index.js';
import { deleteUser, findUser, insertUser, listUsers, updateUser } from './user-repository.js';

function notFound(id: string): FlotillaError {
  return new FlotillaError('NOT_FOUND', { detail: `no user with id ${id}` });
}

export function userRoutes(app: HttpServer, { db, events }: ServiceContext): void {
  app.route({
    ...contractRoute(usersApi, 'POST /users'),
    handler: async (request, reply) => {
      const user = await db.transaction(async (tx) => {
        const created = await insertUser(tx, request.body);
        await events.publish(tx, UserCreated, created, { key: created.id });
        return created;
      });
      return reply
        .code(201)
        .header('location', `/users/${encodeURIComponent(user.id)}`)
        .send(user);
    },
  });

  app.route({
    ...contractRoute(usersApi, 'GET /users/:id'),
    handler: async (request) => {
      const user = await findUser(db, request.params.id);
      if (!user) throw notFound(request.params.id);
      return user;
    },
  });

  app.route({
    ...contractRoute(usersApi, 'GET /users'),
    handler: async (request, reply) => {
      const limit = request.query.limit ?? 20;
      const after = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      const users = await listUsers(db, limit, after);
      const last = users.at(-1);
      if (users.length === limit && last) {
        reply.header('link', `</users?limit=${limit}&cursor=${encodeCursor(last.id)}>; rel="next"`);
      }
      return users;
    },
  });

  app.route({
    ...contractRoute(usersApi, 'PATCH /users/:id'),
    handler: async (request) => {
      const user = await db.transaction(async (tx) => {
        const updated = await updateUser(tx, request.params.id, request.body);
        if (updated) await events.publish(tx, UserUpdated, updated, { key: updated.id });
        return updated;
      });
      if (!user) throw notFound(request.params.id);
      return user;
    },
  });

  app.route({
    ...contractRoute(usersApi, 'DELETE /users/:id'),
    handler: async (request, reply) => {
      const { id } = request.params;
      const deleted = await db.transaction(async (tx) => {
        const found = await deleteUser(tx, id);
        if (found) await events.publish(tx, UserDeleted, { id }, { key: id });
        return found;
      });
      if (!deleted) throw notFound(id);
      return reply.code(204).send();
    },
  });
}
