import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { freePort } from './free-port.js';
import { repositoryRoot } from './spawn-service.js';
import { until } from './until.js';

const run = promisify(execFile);

export interface PrivateKafkaBroker {
  readonly url: string;
  /** Stops the broker (SIGTERM, waiting for its exit) and starts it again on the same ports and log. */
  restart(): Promise<void>;
  /** Stops it for good and removes its log. */
  close(): Promise<void>;
}

/**
 * A single-node KRaft broker of the caller's own, with the settings of the shared one
 * (`.ci/kafka/server.properties`) on free loopback ports and a log in a temporary folder, run from
 * the distribution `.ci/ensure-engines.sh` fetched: restarting it disturbs nobody else.
 */
export async function privateKafkaBroker(): Promise<PrivateKafkaBroker> {
  const ci = join(repositoryRoot, '.ci/kafka');
  const version = /<kafka\.version>(.+)<\/kafka\.version>/.exec(
    await readFile(join(ci, 'pom.xml'), 'utf8'),
  )?.[1];
  const directory = await mkdtemp(join(tmpdir(), 'flotilla-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const config = join(directory, 'server.properties');
  const shared = await readFile(join(ci, 'server.properties'), 'utf8');
  const settings = shared
    .replaceAll('127.0.0.1:9092', `127.0.0.1:${port}`)
    .replaceAll('127.0.0.1:9093', `127.0.0.1:${controllerPort}`);
  await writeFile(config, `${settings}\nlog.dirs=${join(directory, 'data')}\n`);
  const java = [
    '-Xms256m',
    '-Xmx512m',
    `-Dlog4j2.configurationFile=${join(ci, 'log4j2.properties')}`,
    '-cp',
    `/var/cache/flotilla/kafka-${version}/libs/*`,
  ];
  // A cluster id is 16 random bytes in URL-safe base64; Kafka's own generator avoids a leading dash.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  await run('java', [
    ...java,
    'kafka.tools.StorageTool',
    'format',
    '--standalone',
    '--cluster-id',
    clusterId,
    '--config',
    config,
  ]);
  const url = `kafka://127.0.0.1:${port}`;
  let broker: ChildProcess | undefined;
  const start = async () => {
    broker = spawn('java', [...java, 'kafka.Kafka', config], { stdio: 'ignore' });
    const admin = new Admin({ clientId: 'private-broker-probe', bootstrapBrokers: [`127.0.0.1:${port}`] });
    try {
      await until(
        'the private Kafka broker to answer',
        async () => (await admin.metadata({ topics: [] })).brokers.size > 0,
        60_000,
        250,
      );
    } finally {
      await admin.close();
    }
  };
  const stop = async () => {
    const current = broker;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
