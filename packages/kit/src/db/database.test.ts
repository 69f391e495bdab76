import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from './index.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';

const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';

describe(`Database (${engine})`, () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await openScratchDatabase(process.env.DATABASE_URL);
    await db.query('CREATE TABLE users (id int8 PRIMARY KEY, email text NOT NULL UNIQUE)');
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('opens the engine the environment selects', () => {
    expect(db.engine).toBe(engine);
  });

  it('runs parameterised queries and reports row counts', async () => {
    const insert = await db.query('INSERT INTO users (id, email) VALUES ($1, $2), ($3, $4)', [
      1,
      'a@example.com',
      2,
      'b@example.com',
    ]);
    expect(insert.rowCount).toBe(2);
    const { rows, rowCount } = await db.query<{ id: string; email: string }>(
      'SELECT id, email FROM users WHERE email = $1',
      ['b@example.com'],
    );
    // int8 comes back as a string on both engines, so large ids stay exact.
    expect(rows).toEqual([{ id: '2', email: 'b@example.com' }]);
    expect(rowCount).toBe(1);
  });

  it('runs several statements in one text without params and returns the last result', async () => {
    const { rows } = await db.query<{ n: number }>('CREATE TEMP TABLE scratch (n int); SELECT 41 + 1 AS n');
    expect(rows).toEqual([{ n: 42 }]);
  });

  it('commits a transaction', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO users (id, email) VALUES ($1, $2)', [10, 'commit@example.com']);
      return 'done';
    });
    expect(result).toBe('done');
    const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [10]);
    expect(rowCount).toBe(1);
  });

  it('rolls back a transaction that throws and rethrows its error', async () => {
    const failure = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO users (id, email) VALUES ($1, $2)', [11, 'rollback@example.com']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [11]);
    expect(rowCount).toBe(0);
  });

  it('never shows a query outside a transaction half of it', async () => {
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO users (id, email) VALUES ($1, $2)', [20, 'half1@example.com']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query('INSERT INTO users (id, email) VALUES ($1, $2)', [21, 'half2@example.com']);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE id IN (20, 21)');
    await transaction;
    expect(['0', '2']).toContain(rows[0]?.n);
  });

  it('answers ping and reports pool stats', async () => {
    await expect(db.ping()).resolves.toBeUndefined();
    const stats = db.poolStats();
    expect(stats.total).toBeGreaterThanOrEqual(1);
    expect(stats.idle).toBeLessThanOrEqual(stats.total);
    expect(stats.waiting).toBe(0);
  });

  it('delivers NOTIFY payloads to a listener until it stops listening', async () => {
    // Channels are database-wide: a unique, mixed-case name also proves the name is quoted.
    const channel = `Flotilla_${randomBytes(4).toString('hex')}`;
    const payloads: string[] = [];
    let delivered: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      delivered = resolve;
    });
    const unlisten = await db.listen(channel, (payload) => {
      payloads.push(payload);
      delivered();
    });
    const marker = `${channel}_marker`;
    const markers: string[] = [];
    const stopMarker = await db.listen(marker, (payload) => markers.push(payload));
    await db.query('SELECT pg_notify($1, $2)', [channel, '{"id":1}']);
    await first;
    await unlisten();
    // One transaction delivers its notifications in order: once the marker has arrived, a
    // delivery of `after` to a listener still attached would have arrived before it.
    await db.query('SELECT pg_notify($1, $2), pg_notify($3, $4)', [channel, 'after', marker, 'done']);
    await expect.poll(() => markers).toEqual(['done']);
    await stopMarker();
    expect(payloads).toEqual(['{"id":1}']);
  });

  it('keeps a committed transaction committed when an after-commit callback throws', async () => {
    const errors: Error[] = [];
    const own = await openScratchDatabase(process.env.DATABASE_URL, { onError: (err) => errors.push(err) });
    try {
      await own.query('CREATE TABLE marks (n int)');
      const calls: string[] = [];
      const result = await own.transaction(async (tx) => {
        await tx.query('INSERT INTO marks (n) VALUES (1)');
        tx.afterCommit?.(() => {
          calls.push('first');
          throw new Error('callback failed');
        });
        tx.afterCommit?.(() => calls.push('second'));
        return 'committed';
      });
      expect(result).toBe('committed');
      expect(calls).toEqual(['first', 'second']);
      expect(errors.map((err) => err.message)).toEqual(['callback failed']);
      const { rowCount } = await own.query('SELECT 1 FROM marks');
      expect(rowCount).toBe(1);
    } finally {
      await own.dispose();
    }
  });

  it('recognises unique violations from the engine and nothing else', async () => {
    const duplicate = await db
      .query('INSERT INTO users (id, email) VALUES ($1, $2)', [30, 'a@example.com'])
      .catch((err: unknown) => err);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const syntax = await db.query('SELEC 1').catch((err: unknown) => err);
    expect(isUniqueViolation(syntax)).toBe(false);
    expect(isUniqueViolation(new Error('23505'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
