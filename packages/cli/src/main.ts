import { once } from 'node:events';
import { runCli } from './run-cli.js';

// One promise for the first Ctrl-C / SIGTERM; a second one exits at once.
const interrupted = new Promise<NodeJS.Signals>((resolve) => {
  let seen = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (seen) process.exit(130);
    seen = true;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  interrupted,
});
// Let buffered output reach a pipe before exiting.
if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
process.exit(code);
