import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Database } from '@flotilla/kit/db';
import { runEventMigrations } from '@flotilla/kit/events';
import { afterEach, describe, expect, it } from 'vitest';
import { startEventConsumer } from '../support/event-consumer-process.js';
import { privateNatsServer } from '../support/private-nats-server.js';
import { repositoryRoot, spawnEntry } from '../support/spawn-service.js';
import { until } from '../support/until.js';
import { recordFigure } from './support/record-figure.js';
import { schemaDatabase } from './support/schema-database.js';

/**
 * Issue 19's acceptance for the insert-only outbox: a publisher with its relay in a process of its
 * own (tests/reliability/support/relay-kill-publisher.ts) writes orders, each publishing an event,
 * while this test SIGKILLs it at random points and starts it again; a consumer with the inbox in
 * another process applies each event. Every committed order's effect must exist exactly once. The
 * issue asks for 1,000 kills during 100,000 events (RELAY_KILLS=1000 RELAY_EVENTS=100000); the
 * defaults fit the reliability suite's budget: each kill costs a process start, about 1.7 s on
 * PostgreSQL and 5 s on PGlite (which also recovers its data directory) on 2 cores.
 */
const EVENTS = Number(process.env.RELAY_EVENTS ?? 5_000);
const KILLS = Number(process.env.RELAY_KILLS ?? 50);
/** The relay's cursor lease: how long a restarted relay may wait for the dead one's. */
const LEASE_MS = 500;
/** Hang guards only. */
const START_GUARD_MS = 60_000;
const DRAIN_GUARD_MS = 600_000;

const publisherScript = join(repositoryRoot, 'tests/reliability/support/relay-kill-publisher.ts');
const databaseUrl = process.env.DATABASE_URL ?? '';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function tally(
  db: Database,
): Promise<{ total: number; distinct: number; max: number; duplicates: number }> {
  const { rows } = await db.query<{
    total: string;
    distinct: string;
    max: number | null;
    duplicates: string;
  }>(
    `SELECT count(*) AS total, count(DISTINCT n) AS distinct, max(n) AS max,
            (SELECT count(*) FROM duplicates) AS duplicates FROM effects`,
  );
  const row = rows[0]!;
  return {
    total: Number(row.total),
    distinct: Number(row.distinct),
    max: row.max ?? -1,
    duplicates: Number(row.duplicates),
  };
}

/**
 * The publisher process, followed through its output: the orders committed when it started and
 * since, and once it drained, the orders in its table.
 */
function startPublisher(environment: Record<string, string>) {
  const spawned = spawnEntry(publisherScript, environment);
  const state = { startedAt: -1, unsentAtStart: -1, committed: -1, drained: -1 };
  const watchers = new Set<() => void>();
  createInterface({ input: spawned.child.stdout! }).on('line', (line) => {
    const [word, count, unsent] = line.split(' ');
    if (word === 'ready') Object.assign(state, { startedAt: Number(count), unsentAtStart: Number(unsent) });
    if (word === 'committed') state.committed = Number(count);
    if (word === 'drained') state.drained = Number(count);
    for (const watcher of watchers) watcher();
  });
  /** Resolves once `reached` holds; fails if the process exits first or the guard runs out. */
  const when = (what: string, reached: () => boolean, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!reached()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`publisher: no ${what} within ${timeoutMs} ms: ${spawned.stderr.join('')}`));
      }, timeoutMs);
      const exited = () => {
        done();
        reject(new Error(`publisher exited before ${what}: ${spawned.stderr.join('')}`));
      };
      const done = () => {
        clearTimeout(timer);
        watchers.delete(check);
        spawned.child.off('exit', exited);
      };
      watchers.add(check);
      spawned.child.once('exit', exited);
      check();
    });
  return { ...spawned, state, when };
}

/**
 * A consumer with the inbox in a process of its own, and the publisher's environment: its own
 * schema on PostgreSQL, or a PGlite data directory of its own.
 */
async function scenario(engine: 'postgres' | 'pglite', events: number) {
  const namespace = `relaykill${randomBytes(5).toString('hex')}`;
  // A JetStream server of its own: other scenarios of the suite restart the shared brokers.
  const nats = await privateNatsServer();
  cleanups.push(() => nats.close());
  const consumerDb = await schemaDatabase(cleanups);
  await runEventMigrations(consumerDb);
  await consumerDb.query(
    'CREATE TABLE effects (n int NOT NULL); CREATE TABLE duplicates (at timestamptz DEFAULT now())',
  );
  const consumer = await startEventConsumer({
    databaseUrl,
    schema: consumerDb.schema,
    eventsUrl: nats.url,
    namespace,
  });
  const consumerExited = new Promise((resolve) => consumer.once('exit', resolve));
  cleanups.push(async () => consumer.kill('SIGKILL'));

  const environment: Record<string, string> = {
    EVENTS_URL: nats.url,
    NAMESPACE: namespace,
    EVENTS: String(events),
    LEASE_MS: String(LEASE_MS),
  };
  if (engine === 'postgres') {
    Object.assign(environment, {
      DATABASE_URL: databaseUrl,
      SCHEMA: (await schemaDatabase(cleanups)).schema,
    });
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'relay-kills-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    environment.PGLITE_DIR = dataDir;
  }

  return { consumerDb, consumer, consumerExited, environment };
}

describe.each(['postgres', 'pglite'] as const)('relay SIGKILLed at random points: %s', (engine) => {
  it(`loses none of ${EVENTS.toLocaleString('en')} events and applies each once across ${KILLS.toLocaleString('en')} kills`, {
    // A hang guard only: about 2 s per kill (a process start) plus the drain.
    timeout: KILLS * 10_000 + DRAIN_GUARD_MS,
  }, async () => {
    const { consumerDb, consumer, consumerExited, environment } = await scenario(engine, EVENTS);

    const startedAt = Date.now();
    /** Orders reported committed by each killed process, and what the next one found committed. */
    const kills: { reported: number; foundNext: number }[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Somewhere in this kill's share of the run, counted in events the consumer applied: the
      // relay is then at work (reading, sending, awaiting confirms or saving its cursor), wherever
      // the writer happens to be.
      const target = Math.floor(((kill + Math.random()) * EVENTS) / (KILLS + 1));
      const publisher = startPublisher(environment);
      cleanups.push(async () => publisher.child.kill('SIGKILL'));
      await publisher.when('ready line', () => publisher.state.startedAt >= 0, START_GUARD_MS);
      const before = kills.at(-1);
      if (before) before.foundNext = publisher.state.startedAt;
      const reached = await until(
        `${target} events applied`,
        async () => {
          if (publisher.child.exitCode !== null) return 'exited';
          return (await tally(consumerDb)).distinct >= target && 'applied';
        },
        START_GUARD_MS,
        20,
      );
      if (reached === 'exited') throw new Error(`publisher exited: ${publisher.stderr.join('')}`);
      publisher.child.kill('SIGKILL');
      await publisher.exited;
      kills.push({ reported: Math.max(publisher.state.committed, publisher.state.startedAt), foundNext: -1 });
    }
    const appliedDuringKills = (await tally(consumerDb)).distinct;
    const last = startPublisher(environment);
    cleanups.push(async () => last.child.kill('SIGKILL'));
    await last.when('ready line', () => last.state.startedAt >= 0, START_GUARD_MS);
    const lastKill = kills.at(-1);
    if (lastKill) lastKill.foundNext = last.state.startedAt;
    await last.when('drain', () => last.state.drained >= 0, DRAIN_GUARD_MS);
    const committed = last.state.drained;
    await until(
      'every committed order applied',
      async () => (await tally(consumerDb)).distinct >= committed || undefined,
      DRAIN_GUARD_MS,
    );
    const elapsedMs = Date.now() - startedAt;
    // Stopped, so no redelivery still in flight can add an effect after the count.
    consumer.kill('SIGKILL');
    await consumerExited;
    const final = await tally(consumerDb);

    const lost = committed - final.distinct;
    const duplicateEffects = final.total - final.distinct;
    // A commit the process reported that the next process did not find: lost by the database.
    const commitsLostByEngine = kills.filter((entry) => entry.foundNext < entry.reported).length;
    recordFigure(import.meta.url, {
      id: `19-relay-kills-${engine}`,
      title: `Publisher with its relay SIGKILLed ${KILLS.toLocaleString('en')} times during ${EVENTS.toLocaleString('en')} events (${engine === 'postgres' ? 'PostgreSQL' : 'PGlite'}, NATS JetStream)`,
      result: `lost ${lost} of ${committed.toLocaleString('en')}, duplicate effects ${duplicateEffects}, ${final.duplicates} redeliveries caught by the inbox, ${appliedDuringKills.toLocaleString('en')} applied before the last start, ${elapsedMs.toLocaleString('en')} ms`,
      measurements: {
        kills: kills.length,
        committed,
        effects: final.total,
        lost,
        duplicateEffects,
        redeliveriesCaughtByInbox: final.duplicates,
        appliedDuringKills,
        commitsLostByEngine,
        elapsedMs,
      },
    });
    expect(committed).toBe(EVENTS);
    expect(kills).toHaveLength(KILLS);
    expect(commitsLostByEngine).toBe(0);
    expect(final).toMatchObject({ total: EVENTS, distinct: EVENTS, max: EVENTS - 1 });
  });

  it('does not send again what its relay confirmed and saved before it was killed', {
    timeout: 120_000,
  }, async () => {
    const events = 1_000;
    const { environment } = await scenario(engine, events);
    const first = startPublisher(environment);
    cleanups.push(async () => first.child.kill('SIGKILL'));
    await first.when('drain', () => first.state.drained >= 0, DRAIN_GUARD_MS);
    // The publisher reports the drain after reading its relay's last save, so that save is
    // committed, and nothing has to reach the disk before the kill. On PostgreSQL the kill ends a
    // client: the server keeps its commits, flushed or not (`synchronous_commit = off` risks them
    // only in a crash of the server). On PGlite the database dies with the process, so relaxedCommit
    // flushes the saves at commit, into the data directory's files.
    first.child.kill('SIGKILL');
    await first.exited;
    const next = startPublisher(environment);
    cleanups.push(async () => next.child.kill('SIGKILL'));
    await next.when('ready line', () => next.state.startedAt >= 0, START_GUARD_MS);
    console.log(
      `[relay kills] ${engine}: ${next.state.unsentAtStart} of ${events} events unsent after an idle kill`,
    );
    expect(next.state).toMatchObject({ startedAt: events, unsentAtStart: 0 });
  });
});
