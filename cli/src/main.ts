import { Supervisor } from './supervisor.js';
import { referenceSystem } from './system.js';

const USAGE = 'usage: flotilla start';

const [command] = process.argv.slice(2);
if (command !== 'start') {
  process.stderr.write(`flotilla: unknown command "${command ?? ''}"\n${USAGE}\n`);
  process.exit(2);
}

const supervisor = new Supervisor({
  processes: referenceSystem,
  environment: { LOG_PRETTY: String(process.stdout.isTTY === true), ...process.env },
  cwd: process.cwd(),
  log: (line) => process.stdout.write(`[flotilla] ${line}\n`),
});
supervisor.start();

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) process.exit(1);
  stopping = true;
  process.stdout.write(`[flotilla] ${signal}: stopping ${supervisor.running} process(es)\n`);
  supervisor.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
