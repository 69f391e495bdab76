import { schedule } from '@flotilla/kit';

/** Notifications are a recent-activity feed: older ones are no longer shown to anybody. */
export const NOTIFICATION_RETENTION_DAYS = 90;

/**
 * Hourly, across all instances: deletes notifications older than the retention. Missed hours are
 * skipped, since the next run deletes everything that is due.
 */
export const pruneNotifications = schedule(
  '0 * * * *',
  async ({ tx, logger }) => {
    const { rowCount } = await tx.query(
      'delete from notifications where created_at < now() - make_interval(days => $1)',
      [NOTIFICATION_RETENTION_DAYS],
    );
    logger.info({ deleted: rowCount ?? 0 }, 'old notifications pruned');
  },
  { name: 'prune-notifications' },
);
