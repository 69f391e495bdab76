import { FlotillaError } from '@flotilla/kit';
import { isUniqueViolation, newId, type Queryable } from '@flotilla/kit/db';
import type { CreateUser, UpdateUser, User } from '../contract/index.js';

interface UserRow {
  id: string;
  name: string;
  email: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, name, email, created_at, updated_at';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function duplicateEmail(email: string): FlotillaError {
  return new FlotillaError('CONFLICT', { detail: `a user with email ${email} already exists` });
}

export async function insertUser(db: Queryable, input: CreateUser): Promise<User> {
  try {
    const { rows } = await db.query<UserRow>(
      `insert into users (id, name, email) values ($1, $2, $3) returning ${COLUMNS}`,
      [newId(), input.name, input.email],
    );
    return toUser(rows[0]!);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateEmail(input.email);
    throw error;
  }
}

export async function findUser(db: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`select ${COLUMNS} from users where id = $1`, [id]);
  return rows[0] && toUser(rows[0]);
}

/** Keyset page ordered by id (time-ordered UUIDv7), so pages stay stable while users are added. */
export async function listUsers(db: Queryable, limit: number, after: string | undefined): Promise<User[]> {
  const { rows } = after
    ? await db.query<UserRow>(`select ${COLUMNS} from users where id > $1 order by id limit $2`, [
        after,
        limit,
      ])
    : await db.query<UserRow>(`select ${COLUMNS} from users order by id limit $1`, [limit]);
  return rows.map(toUser);
}

export async function updateUser(db: Queryable, id: string, changes: UpdateUser): Promise<User | undefined> {
  try {
    const { rows } = await db.query<UserRow>(
      `update users set name = coalesce($2, name), email = coalesce($3, email), updated_at = now()
       where id = $1 returning ${COLUMNS}`,
      [id, changes.name ?? null, changes.email ?? null],
    );
    return rows[0] && toUser(rows[0]);
  } catch (error) {
    if (isUniqueViolation(error) && changes.email) throw duplicateEmail(changes.email);
    throw error;
  }
}

export async function deleteUser(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from users where id = $1', [id]);
  return rowCount > 0;
}
