import { type RunningService, startService } from '@flotilla/kit';
import { testDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersService } from './users-service.js';

let service: RunningService;
let database: Awaited<ReturnType<typeof testDatabase>>;

beforeAll(async () => {
  database = await testDatabase();
  service = await startService(usersService, { environment: { LOG_LEVEL: 'warn' }, database });
});

afterAll(async () => {
  await service?.stop();
  await database?.dispose();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('users service', () => {
  it('creates a user with 201 and a Location, then reads it back', async () => {
    const created = await call('POST', '/users', { name: 'Ada', email: 'ada@example.com' });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    expect(created.body).toMatchObject({ name: 'Ada', email: 'ada@example.com' });
    expect(created.headers.get('location')).toBe(`/users/${created.body.id}`);
    const read = await call('GET', created.headers.get('location')!);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('answers 409 on a duplicate email, whatever its case', async () => {
    await call('POST', '/users', { name: 'Bob', email: 'bob@example.com' });
    const again = await call('POST', '/users', { name: 'Bobby', email: 'BOB@example.com' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.body.code).toBe('CONFLICT');
  });

  it('publishes user.created, user.updated and user.deleted with its writes, keyed by user id', async () => {
    const created = await call('POST', '/users', { name: 'Eve', email: 'eve@example.com' });
    await call('PATCH', `/users/${created.body.id}`, { name: 'Eve B' });
    // A rejected write publishes nothing.
    expect((await call('POST', '/users', { name: 'Eve', email: 'EVE@example.com' })).status).toBe(409);
    await call('DELETE', `/users/${created.body.id}`);
    const { rows } = await database.query<{ type: string; key: string; event: { data: { name?: string } } }>(
      'SELECT type, key, event FROM flotilla_outbox WHERE key = $1 ORDER BY seq',
      [created.body.id],
    );
    expect(rows.map((row) => row.type)).toEqual(['user.created', 'user.updated', 'user.deleted']);
    expect(rows[1]?.event.data.name).toBe('Eve B');
    const { rowCount } = await database.query(
      "SELECT 1 FROM flotilla_outbox WHERE event->'data'->>'email' = 'EVE@example.com'",
    );
    expect(rowCount).toBe(0);
  });

  it('validates input and names each bad field', async () => {
    const bad = await call('POST', '/users', { name: '', email: 'not-an-email' });
    expect(bad.status).toBe(400);
    const fields = new Set(bad.body.errors.map((error: { field: string }) => error.field));
    expect([...fields].sort()).toEqual(['/body/email', '/body/name']);
  });

  it('answers 404 problems for unknown ids', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const missing = await call(method, '/users/0190-unknown', body);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('NOT_FOUND');
    }
  });

  it('updates and deletes', async () => {
    const { body: user } = await call('POST', '/users', { name: 'Cy', email: 'cy@example.com' });
    const patched = await call('PATCH', `/users/${user.id}`, { name: 'Cyrus' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: user.id, name: 'Cyrus', email: 'cy@example.com' });
    expect((await call('PATCH', `/users/${user.id}`, {})).status).toBe(400);
    expect((await call('DELETE', `/users/${user.id}`)).status).toBe(204);
    expect((await call('GET', `/users/${user.id}`)).status).toBe(404);
  });

  it('lists users as a plain array, paged by an opaque cursor with a capped size', async () => {
    for (let i = 0; i < 5; i++) await call('POST', '/users', { name: `P${i}`, email: `p${i}@page.example` });
    const seen: string[] = [];
    let next: string | null = '/users?limit=2';
    while (next) {
      const page = await call('GET', next);
      expect(page.status).toBe(200);
      expect(Array.isArray(page.body)).toBe(true);
      expect(page.body.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.map((user: { id: string }) => user.id));
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect((await call('GET', '/users?limit=101')).status).toBe(400);
    expect((await call('GET', '/users?cursor=garbage')).body.code).toBe('VALIDATION_FAILED');
  });
});
