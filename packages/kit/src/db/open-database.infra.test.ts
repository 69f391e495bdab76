import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './index.js';

// Runs in the infra project only, where DATABASE_URL names a real PostgreSQL.
const url = process.env.DATABASE_URL;

describe('openDatabase on PostgreSQL', () => {
  const withSchema = async (run: (schema: string, errors: Error[]) => Promise<void>) => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const errors: Error[] = [];
    try {
      await run(schema, errors);
    } finally {
      const admin = await openDatabase({ url });
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.close();
    }
  };

  it('creates the schema and makes it the search_path of every pooled connection', () =>
    withSchema(async (schema) => {
      const db = await openDatabase({ url, schema, pool: { max: 3 } });
      try {
        const results = await Promise.all(
          [1, 2, 3].map(() => db.query('SELECT current_schema() AS schema, pg_sleep(0.05)')),
        );
        expect(db.poolStats().total).toBe(3);
        expect(results.map((result) => result.rows[0]?.schema)).toEqual([schema, schema, schema]);
      } finally {
        await db.close();
      }
    }));

  it('applies the statement timeout to every connection', () =>
    withSchema(async (schema) => {
      const db = await openDatabase({ url, schema, pool: { statementTimeoutMs: 100 } });
      try {
        await expect(db.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
      } finally {
        await db.close();
      }
    }));

  it('reports an idle connection killed by the server to onError instead of crashing', () =>
    withSchema(async (schema, errors) => {
      const db = await openDatabase({ url, schema, pool: { max: 1 }, onError: (err) => errors.push(err) });
      const admin = await openDatabase({ url });
      try {
        const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        await expect.poll(() => errors.length).toBeGreaterThan(0);
        // The pool replaces the dead connection.
        await expect(db.ping()).resolves.toBeUndefined();
      } finally {
        await admin.close();
        await db.close();
      }
    }));
});
