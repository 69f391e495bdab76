import type { ChaosAction } from '../apply-chaos.js';
import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { httpJson, problemDetail } from '../http-json.js';
import { writeLine } from '../io.js';
import { parseCommandArgs, positiveNumber } from '../parse-command-args.js';
import type { FaultResult } from '../supervisor.js';
import { runningSupervisorUrl } from '../supervisor-control.js';

const help = `usage: flotilla chaos kill|pause|slow <service>[/<instance>] [--seconds <n>] [--stall <ms>]

Faults for demos and resilience tests, applied by the running \`flotilla start\` (found through
.flotilla/supervisor.json) to one process. <service> alone picks its first running instance;
users/2 picks the second.

  kill    SIGKILL; the supervisor restarts it with backoff
  pause   SIGSTOP for --seconds (default 10), then SIGCONT: connections hang, health checks time out
  slow    for --seconds, alternate SIGSTOP and SIGCONT every --stall ms (default 200): requests
          take up to that much longer, the process stays reachable

options:
  --seconds <n>    how long pause and slow last (default 10)
  --stall <ms>     slow: length of each stop (default 200)
  -h, --help       this help`;

const actions: readonly ChaosAction[] = ['kill', 'pause', 'slow'];

export const chaosCommand: Command = {
  name: 'chaos',
  summary: 'kill, pause or slow a running process (for demos)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('chaos', args, {
      seconds: { type: 'string' },
      stall: { type: 'string' },
    });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    const [action, target, extra] = positionals;
    if (!actions.includes(action as ChaosAction)) {
      throw new UsageError(
        action ? `chaos: unknown action "${action}" (kill, pause, slow)` : 'chaos: missing action',
      );
    }
    if (!target) throw new UsageError(`chaos ${action}: missing <service>[/<instance>]`);
    if (!/^[a-z][a-z0-9-]*(\/\d+)?$/.test(target)) {
      throw new UsageError(`chaos: "${target}" is not <service> or <service>/<n>`);
    }
    if (extra !== undefined) throw new UsageError(`chaos: unexpected argument "${extra}"`);
    const seconds = positiveNumber('seconds', values.seconds, 10);
    const stallMs = positiveNumber('stall', values.stall, 200);

    const url = runningSupervisorUrl(io.cwd);
    const { status, body } = await httpJson<FaultResult>(`${url}/chaos`, {
      method: 'POST',
      body: { action, target, seconds, stallMs },
      what: 'the supervisor',
    });
    if (status !== 200 || !body) throw new CliError(`chaos ${action}: ${problemDetail(body, status)}`);
    const until = body.until ? ` until ${body.until}` : '';
    writeLine(io.stdout, `${body.action} ${body.instance} (pid ${body.pid})${until}`);
    return 0;
  },
};
