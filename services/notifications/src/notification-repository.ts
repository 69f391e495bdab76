import { newId, type Queryable } from '@flotilla/kit/db';
import type { Notification } from '../contract/index.js';

interface NotificationRow {
  id: string;
  order_id: string;
  user_id: string;
  message: string;
  created_at: Date | string;
}

const COLUMNS = 'id, order_id, user_id, message, created_at';

function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    orderId: row.order_id,
    userId: row.user_id,
    message: row.message,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function insertNotification(
  tx: Queryable,
  input: Pick<Notification, 'orderId' | 'userId' | 'message'>,
): Promise<void> {
  await tx.query('insert into notifications (id, order_id, user_id, message) values ($1, $2, $3, $4)', [
    newId(),
    input.orderId,
    input.userId,
    input.message,
  ]);
}

export async function findNotification(db: Queryable, id: string): Promise<Notification | undefined> {
  const { rows } = await db.query<NotificationRow>(`select ${COLUMNS} from notifications where id = $1`, [
    id,
  ]);
  return rows[0] && toNotification(rows[0]);
}

/** A user's newest notifications first (ids are time-ordered UUIDv7). */
export async function listNotifications(
  db: Queryable,
  userId: string,
  limit: number,
): Promise<Notification[]> {
  const { rows } = await db.query<NotificationRow>(
    `select ${COLUMNS} from notifications where user_id = $1 order by id desc limit $2`,
    [userId, limit],
  );
  return rows.map(toNotification);
}
