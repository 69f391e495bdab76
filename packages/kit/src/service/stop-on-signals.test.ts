import { fork } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';

it('stops a process whose supervisor went away before the process finished starting', async () => {
  const child = fork(new URL('./fixtures/late-starter.ts', import.meta.url).pathname, {
    execArgv: ['--conditions=flotilla-source', '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  await once(child, 'message');
  child.disconnect(); // the supervisor's end, as when it is SIGKILLed
  const hangGuard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await exited;
  clearTimeout(hangGuard);
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(output).toContain('stopped');
});
