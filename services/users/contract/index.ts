/**
 * The users service's published contract: the shapes of its API. Other services and clients depend
 * on this, never on the service's code.
 */
import { defineContract } from '@flotilla/kit/client';
import { defineEvent } from '@flotilla/kit/events';
import { type Static, Type } from '@sinclair/typebox';

export const UserId = Type.String({ minLength: 1, maxLength: 64, description: 'Opaque user id' });

export const User = Type.Object(
  {
    id: UserId,
    name: Type.String(),
    email: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);
export type User = Static<typeof User>;

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Email = Type.String({ minLength: 3, maxLength: 254, format: 'email' });

export const CreateUser = Type.Object({ name: Name, email: Email }, { additionalProperties: false });
export type CreateUser = Static<typeof CreateUser>;

export const UpdateUser = Type.Object(
  { name: Type.Optional(Name), email: Type.Optional(Email) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUser = Static<typeof UpdateUser>;

export const MAX_PAGE_SIZE = 100;

export const ListUsersQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'From the `Link: <…>; rel="next"` header' }),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: UserId });

/**
 * Users' routes: served from these declarations, and called through `context.client(usersApi)`,
 * whose calls are typed by them.
 */
export const usersApi = defineContract({
  service: 'users',
  routes: {
    'POST /users': { body: CreateUser, response: { 201: User } },
    'GET /users/:id': { params: IdParams, response: { 200: User } },
    'GET /users': { query: ListUsersQuery, response: { 200: Type.Array(User) } },
    'PATCH /users/:id': { params: IdParams, body: UpdateUser, response: { 200: User } },
    'DELETE /users/:id': { params: IdParams },
  },
});

/** Events users publishes, keyed by user id, in the same transaction as the write. */
export const UserCreated = defineEvent({ source: 'users', type: 'user.created', schema: User });
export const UserUpdated = defineEvent({ source: 'users', type: 'user.updated', schema: User });
export const UserDeleted = defineEvent({
  source: 'users',
  type: 'user.deleted',
  schema: Type.Object({ id: UserId }, { additionalProperties: false }),
});
