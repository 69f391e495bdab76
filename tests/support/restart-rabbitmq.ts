import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Restarts the RabbitMQ application of the machine's shared broker (the node stays up, every
 * connection and channel is closed). Others using the broker see the restart too, so callers keep
 * it to the scenarios that need it.
 */
export async function restartRabbitMq(): Promise<void> {
  await run('rabbitmqctl', ['stop_app']);
  await run('rabbitmqctl', ['start_app']);
}
