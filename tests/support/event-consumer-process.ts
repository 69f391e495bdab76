import { type ChildProcess, spawn } from 'node:child_process';
import { TYPESCRIPT_NODE_ARGS } from './source-condition.js';
import { repositoryRoot } from './spawn-service.js';

const consumerScript = `${repositoryRoot}packages/kit/src/events/fixtures/consumer-process.ts`;

export interface EventConsumerOptions {
  readonly databaseUrl: string;
  /** Schema holding the consumer's inbox and its `effects` and `duplicates` tables. */
  readonly schema: string;
  readonly eventsUrl: string;
  readonly namespace: string;
  /** Over the embedded transport (no `eventsUrl`) it takes deliveries on this port. */
  readonly port?: number;
}

/**
 * The kit's test consumer (`count.up` events → one `effects` row each, inbox-caught redeliveries →
 * `duplicates`) in a process of its own, so a test can SIGKILL it. Resolves once it consumes.
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, consumerScript], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      SCHEMA: options.schema,
      EVENTS_URL: options.eventsUrl,
      NAMESPACE: options.namespace,
      PORT: String(options.port ?? 0),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`consumer process exited with ${code}`)));
  });
  return child;
}
