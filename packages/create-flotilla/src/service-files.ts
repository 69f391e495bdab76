/** The files of a new service, keyed by path relative to its directory. */
export function serviceFiles(name: string, options: { workspace: boolean }): Record<string, string> {
  const camel = name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  const pascal = camel[0]!.toUpperCase() + camel.slice(1);
  const table = name.replaceAll('-', '_');
  const service = `${camel}Service`;
  // In a project whose services are npm workspaces, each is a package that publishes its contract;
  // in a one-package project (what `npm create flotilla` makes) it is a folder.
  const manifest: Record<string, string> = options.workspace
    ? {
        'package.json': `${JSON.stringify(
          {
            name: `@flotilla/${name}`,
            version: '0.1.0',
            private: true,
            type: 'module',
            description: `The ${name} service.`,
            exports: {
              './contract': { 'flotilla-source': './contract/index.ts', default: './dist/contract/index.js' },
            },
            dependencies: { '@flotilla/kit': '*', '@sinclair/typebox': '0.34.52' },
          },
          null,
          2,
        )}\n`,
      }
    : {};
  return {
    ...manifest,
    'contract/index.ts': `/**
 * The ${name} service's published contract: the shapes of its API. Other services and clients
 * depend on this, never on the service's code.
 */
import { defineEvent } from '@flotilla/kit/events';
import { type Static, Type } from '@sinclair/typebox';

export const ${pascal}Item = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: '${pascal}Item' },
);
export type ${pascal}Item = Static<typeof ${pascal}Item>;

export const Create${pascal}Item = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

/** How many items were created on one day (UTC), counted from the service's own events. */
export const ${pascal}DailyCount = Type.Object({
  day: Type.String({ format: 'date' }),
  items: Type.Integer(),
});
export type ${pascal}DailyCount = Static<typeof ${pascal}DailyCount>;

/** Published in the same transaction as the insert, keyed by the item's id. */
export const ${pascal}ItemCreated = defineEvent({
  source: '${name}',
  type: '${name}.item.created',
  schema: ${pascal}Item,
});
`,
    [`migrations/0001_create_${table}_items.sql`]: `create table ${table}_items (
  id text primary key,
  name text not null,
  created_at timestamptz not null default now()
);
`,
    [`migrations/0002_create_${table}_daily_counts.sql`]: `create table ${table}_daily_counts (
  day date primary key,
  items integer not null
);
`,
    'src/daily-counts.ts': `import { schedule } from '@flotilla/kit';
import { subscription } from '@flotilla/kit/events';
import { type ${pascal}Item, ${pascal}ItemCreated } from '../contract/index.js';

/** How many days back a daily count is kept. */
export const DAILY_COUNT_DAYS = 30;

/**
 * Counts each created item on its day, from the service's own events: a read model kept apart from
 * the write. The inbox hands every event to it once, so a redelivery is not counted twice.
 */
export const countItems = subscription(
  ${pascal}ItemCreated,
  async (event, { tx }) => {
    const item = event.data as ${pascal}Item;
    await tx.query(
      \`insert into ${table}_daily_counts (day, items) values (($1::timestamptz at time zone 'UTC')::date, 1)
        on conflict (day) do update set items = ${table}_daily_counts.items + 1\`,
      [item.createdAt],
    );
  },
  { name: 'count-items' },
);

/** Nightly, across all instances: forgets the counts of days past the window. */
export const forgetOldCounts = schedule(
  '5 0 * * *',
  async ({ tx, tick }) => {
    await tx.query(
      "delete from ${table}_daily_counts where day < (($1::timestamptz at time zone 'UTC') - make_interval(days => $2))::date",
      [tick.toISOString(), DAILY_COUNT_DAYS],
    );
  },
  { name: 'forget-old-counts' },
);
`,
    [`src/${name}-service.ts`]: `import { defineService } from '@flotilla/kit';
import { countItems, forgetOldCounts } from './daily-counts.js';
import { routes } from './routes.js';

export const ${service} = defineService({
  name: '${name}',
  version: '0.1.0',
  description: 'The ${name} service.',
  publicPrefix: '/api/${name}',
  migrations: new URL('../migrations/', import.meta.url),
  subscriptions: [countItems],
  jobs: [forgetOldCounts],
  routes,
});
`,
    'src/routes.ts': `import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '@flotilla/kit';
import type { HttpServer } from '@flotilla/kit/http';
import { Type } from '@sinclair/typebox';
${importLine([`Create${pascal}Item`, `${pascal}DailyCount`, `${pascal}Item`, `${pascal}ItemCreated`], '../contract/index.js')}

interface ItemRow {
  id: string;
  name: string;
  created_at: Date | string;
}

const toItem = (row: ItemRow): ${pascal}Item => ({
  id: row.id,
  name: row.name,
  createdAt: new Date(row.created_at).toISOString(),
});

export function routes(app: HttpServer, { db, events }: ServiceContext): void {
  app.post(
    '/${name}',
    {
      schema: {
        tags: ['${name}'],
        body: Create${pascal}Item,
        response: { 201: ${pascal}Item },
      },
    },
    async (request, reply) => {
      const item = await db.transaction(async (tx) => {
        const { rows } = await tx.query<ItemRow>(
          'insert into ${table}_items (id, name) values ($1, $2) returning id, name, created_at',
          [randomUUID(), request.body.name],
        );
        const created = toItem(rows[0]!);
        await events.publish(tx, ${pascal}ItemCreated, created, { key: created.id });
        return created;
      });
      return reply.code(201).send(item);
    },
  );

  app.get(
    '/${name}',
    { schema: { tags: ['${name}'], response: { 200: Type.Array(${pascal}Item) } } },
    async () => {
      const { rows } = await db.query<ItemRow>(
        'select id, name, created_at from ${table}_items order by id limit 100',
      );
      return rows.map(toItem);
    },
  );

  app.get(
    '/${name}/daily-counts',
    { schema: { tags: ['${name}'], response: { 200: Type.Array(${pascal}DailyCount) } } },
    async () => {
      const { rows } = await db.query<{ day: string; items: number }>(
        "select to_char(day, 'YYYY-MM-DD') as day, items from ${table}_daily_counts order by day",
      );
      return rows;
    },
  );
}
`,
    'src/main.ts': `import { runService } from '@flotilla/kit';
import { withDotEnv } from '@flotilla/kit/config';
import { ${service} } from './${name}-service.js';

await runService(${service}, withDotEnv(process.env, process.cwd()));
`,
    [`src/${name}-service.test.ts`]: `import { type RunningService, startService } from '@flotilla/kit';
import { deliverEvent, publishedEvents, testClock, testDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ${pascal}ItemCreated } from '../contract/index.js';
import { ${service} } from './${name}-service.js';

let service: RunningService;
let database: Awaited<ReturnType<typeof testDatabase>>;
// The service's jobs run by this clock: a test moves it to the next nightly run.
const clock = testClock('2030-01-01T00:04:59Z');

beforeAll(async () => {
  database = await testDatabase();
  service = await startService(${service}, { environment: { LOG_LEVEL: 'warn' }, database, clock });
});

const dailyCounts = async () => (await fetch(\`\${service.url}/${name}/daily-counts\`)).json();

afterAll(async () => {
  await service?.stop();
  await database?.dispose();
});

describe('${name} service', () => {
  it('lists the items its migration created a table for', async () => {
    expect(await (await fetch(\`\${service.url}/${name}\`)).json()).toEqual([]);
    await service.context.db.query("insert into ${table}_items (id, name) values ('1', 'first')");
    const items = await (await fetch(\`\${service.url}/${name}\`)).json();
    expect(items).toMatchObject([{ id: '1', name: 'first' }]);
  });

  it('creates an item and publishes ${name}.item.created in the same transaction', async () => {
    const response = await fetch(\`\${service.url}/${name}\`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'second' }),
    });
    expect(response.status).toBe(201);
    const item = (await response.json()) as { id: string };
    const [event] = await publishedEvents(service.context.db, '${name}.item.created');
    expect(event).toMatchObject({ source: '/${name}', subject: item.id, data: item });
  });

  it('counts the items of each day from its events, once however often one is delivered', async () => {
    const item = { id: 'c1', name: 'counted', createdAt: '2029-12-31T10:00:00.000Z' };
    const first = await deliverEvent(service, ${pascal}ItemCreated, item, { key: item.id });
    expect(first.outcomes).toEqual(['processed']);
    const again = await deliverEvent(service, ${pascal}ItemCreated, item, { id: first.event.id });
    expect(again.outcomes).toEqual(['duplicate']);
    expect(await dailyCounts()).toContainEqual({ day: '2029-12-31', items: 1 });
  });

  it('forgets the counts of days past the window at the nightly run', async () => {
    for (const [id, createdAt] of [
      ['c2', '2029-11-01T10:00:00.000Z'],
      ['c3', '2029-12-20T10:00:00.000Z'],
    ] as const) {
      await deliverEvent(service, ${pascal}ItemCreated, { id, name: id, createdAt }, { key: id });
    }
    expect(await dailyCounts()).toContainEqual({ day: '2029-11-01', items: 1 });
    clock.advance(1_000);
    await expect.poll(dailyCounts).not.toContainEqual({ day: '2029-11-01', items: 1 });
    expect(await dailyCounts()).toContainEqual({ day: '2029-12-20', items: 1 });
  });

  it('refuses a bad body with problem+json', async () => {
    const response = await fetch(\`\${service.url}/${name}\`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('is ready and exposes metrics', async () => {
    expect((await fetch(\`\${service.url}/health/ready\`)).status).toBe(200);
    const metrics = await fetch(\`\${service.url}/metrics\`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_server_request_duration_seconds');
  });
});
`,
  };
}

// As the formatter writes it, so a new service lints clean whatever its name's length: sorted names,
// on one line when it fits.
function importLine(names: readonly string[], from: string): string {
  const sorted = [...names].sort();
  const line = `import { ${sorted.join(', ')} } from '${from}';`;
  return line.length <= 110
    ? line
    : `import {\n${sorted.map((name) => `  ${name},\n`).join('')}} from '${from}';`;
}
