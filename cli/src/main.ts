import { parseStartOptions, type StartOptions } from './parse-start-options.js';
import { Supervisor } from './supervisor.js';
import { controlPlane, referenceSystem } from './system.js';

const USAGE = 'usage: flotilla start [--instances <service>=<count>[,…]]';

const [command, ...args] = process.argv.slice(2);
if (command !== 'start') {
  process.stderr.write(`flotilla: unknown command "${command ?? ''}"\n${USAGE}\n`);
  process.exit(2);
}
let options: StartOptions;
try {
  options = parseStartOptions(
    args,
    referenceSystem.map((spec) => spec.name),
  );
} catch (error) {
  process.stderr.write(`flotilla: ${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const controlPlanePort = Number(process.env.CONTROL_PLANE_PORT ?? 8500);
if (!Number.isInteger(controlPlanePort) || controlPlanePort < 1 || controlPlanePort > 65535) {
  process.stderr.write(
    `flotilla: CONTROL_PLANE_PORT must be a port number, got "${process.env.CONTROL_PLANE_PORT}"\n`,
  );
  process.exit(2);
}

const supervisor = new Supervisor({
  controlPlane,
  controlPlanePort,
  processes: referenceSystem,
  instances: options.instances,
  environment: { LOG_PRETTY: String(process.stdout.isTTY === true), ...process.env },
  cwd: process.cwd(),
  log: (line) => process.stdout.write(`[flotilla] ${line}\n`),
});
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) process.exit(1);
  stopping = true;
  process.stdout.write(`[flotilla] ${signal}: stopping ${supervisor.running} process(es)\n`);
  supervisor.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
supervisor.start().catch(async (error: unknown) => {
  process.stderr.write(`flotilla: ${(error as Error).message}\n`);
  await supervisor.stop();
  process.exit(1);
});
