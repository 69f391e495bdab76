import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, MigrationChecksumError, MigrationError, migrate, openDatabase } from './index.js';
import { openScratchDatabase, type ScratchDatabase } from './scratch-database.js';

const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const lockKey = `test-${randomBytes(4).toString('hex')}`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDatabase(): Promise<ScratchDatabase> {
  const db = await openScratchDatabase(process.env.DATABASE_URL);
  cleanups.push(() => db.dispose());
  return db;
}

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'flotilla-migrations-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  await writeFiles(directory, files);
  return directory;
}

async function writeFiles(directory: string, files: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(files)) await writeFile(join(directory, name), sql);
}

async function recorded(db: Database): Promise<{ name: string; checksum: string }[]> {
  const { rows } = await db.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM flotilla_migrations ORDER BY name',
  );
  return rows;
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const { rows } = await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
  return rows[0]?.found != null;
}

const createUsers = 'CREATE TABLE users (id int PRIMARY KEY);\nCREATE INDEX users_id ON users (id);\n';
const addEmail = 'ALTER TABLE users ADD COLUMN email text;';

// Each test starts its own PGlite, which takes a second or more.
describe(`migrate (${engine})`, { timeout: 30_000 }, () => {
  it('applies files in filename order, once, recording each with its sha256', async () => {
    const db = await freshDatabase();
    // Written out of order: the filename decides, not the directory listing.
    const directory = await migrationsDir({
      '0002_add_email.sql': addEmail,
      '0001_create_users.sql': createUsers,
      'README.md': 'not a migration',
    });

    expect(await migrate(db, { directory, lockKey })).toEqual({
      applied: ['0001_create_users.sql', '0002_add_email.sql'],
    });
    expect(await recorded(db)).toEqual([
      { name: '0001_create_users.sql', checksum: createHash('sha256').update(createUsers).digest('hex') },
      { name: '0002_add_email.sql', checksum: createHash('sha256').update(addEmail).digest('hex') },
    ]);
    await db.query('INSERT INTO users (id, email) VALUES ($1, $2)', [1, 'a@example.com']);

    expect(await migrate(db, { directory, lockKey })).toEqual({ applied: [] });

    await writeFiles(directory, { '0003_add_name.sql': 'ALTER TABLE users ADD COLUMN name text;' });
    expect(await migrate(db, { directory, lockKey })).toEqual({ applied: ['0003_add_name.sql'] });
  });

  it('refuses an applied migration that was edited, naming the file', async () => {
    const db = await freshDatabase();
    const directory = await migrationsDir({ '0001_create_users.sql': createUsers });
    await migrate(db, { directory, lockKey });

    await writeFiles(directory, { '0001_create_users.sql': `${createUsers}-- tweak\n` });
    const error = await migrate(db, { directory, lockKey }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MigrationChecksumError);
    expect(error).toMatchObject({ file: '0001_create_users.sql' });
    expect((error as Error).message).toMatch(/0001_create_users\.sql was edited after being applied/);
  });

  it('refuses when an applied migration is missing on disk', async () => {
    const db = await freshDatabase();
    const directory = await migrationsDir({
      '0001_create_users.sql': createUsers,
      '0002_add_email.sql': addEmail,
    });
    await migrate(db, { directory, lockKey });

    await unlink(join(directory, '0002_add_email.sql'));
    await expect(migrate(db, { directory, lockKey })).rejects.toThrow(
      expect.objectContaining({
        name: 'MigrationError',
        message: expect.stringMatching(/0002_add_email\.sql/),
      }),
    );
  });

  it('names a failing migration and leaves nothing of it applied', async () => {
    const db = await freshDatabase();
    const directory = await migrationsDir({
      '0001_create_users.sql': createUsers,
      '0002_broken.sql': 'CREATE TABLE half (id int);\nSELECT no_such_function();\n',
    });

    const error = await migrate(db, { directory, lockKey }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/^Migration 0002_broken\.sql failed: .*no_such_function/);
    expect(await tableExists(db, 'users')).toBe(true);
    expect(await tableExists(db, 'half')).toBe(false);
    expect((await recorded(db)).map((row) => row.name)).toEqual(['0001_create_users.sql']);

    await writeFiles(directory, { '0002_broken.sql': 'CREATE TABLE half (id int);\n' });
    expect(await migrate(db, { directory, lockKey })).toEqual({ applied: ['0002_broken.sql'] });
  });

  it('applies each migration exactly once when instances race', async () => {
    const db = await freshDatabase();
    let other: Database = db;
    if (engine === 'postgres') {
      // A second process would have its own pool on the same schema.
      const { rows } = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
      other = await openDatabase({ url: process.env.DATABASE_URL, schema: rows[0]?.schema });
      cleanups.push(() => other.close());
    }
    const directory = await migrationsDir({
      '0001_counter.sql': 'CREATE TABLE runs (migration text NOT NULL);',
      '0002_a.sql': "INSERT INTO runs VALUES ('0002');",
      '0003_b.sql': "INSERT INTO runs VALUES ('0003');",
    });

    const results = await Promise.all([
      migrate(db, { directory, lockKey }),
      migrate(other, { directory, lockKey }),
    ]);

    expect(results.flatMap((result) => result.applied).sort()).toEqual([
      '0001_counter.sql',
      '0002_a.sql',
      '0003_b.sql',
    ]);
    const { rows } = await db.query<{ migration: string }>('SELECT migration FROM runs ORDER BY migration');
    expect(rows).toEqual([{ migration: '0002' }, { migration: '0003' }]);
    expect(await recorded(db)).toHaveLength(3);
  });

  it('requires an absolute directory', async () => {
    // Checked before the database is touched.
    const db = {} as Database;
    await expect(migrate(db, { directory: 'migrations', lockKey })).rejects.toThrow(/absolute/);
  });
});
