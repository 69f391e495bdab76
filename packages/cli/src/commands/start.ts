import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertPortsFree } from '../assert-ports-free.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { findExecutable } from '../find-executable.js';
import { type Io, writeLine } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { type SourceWatcher, watchSources } from '../source-watcher.js';
import { type InstanceView, Supervisor } from '../supervisor.js';
import { startSupervisorControl } from '../supervisor-control.js';
import { type ProcessSpec, portsInUse, systemPorts, wireSystem } from '../system.js';
import { CONFIG_FILE, loadSystemConfig, MAX_INSTANCES } from '../system-config.js';
import { Terminal } from '../terminal.js';

const help = `usage: flotilla start [--config <file>] [--instances <name>=<n>]... [--watch]

Starts the processes that ./${CONFIG_FILE} (or --config) lists — the control plane, the gateway and
the services — each as its own process, restarts crashed ones with backoff, and stops them all in
order on Ctrl-C or SIGTERM.

options:
  --config <file>            the system file (JSON) to run instead of ./${CONFIG_FILE}
  --instances <name>=<n>     run n instances of a process (repeatable), e.g. --instances users=3
  --watch                    restart a process when its sources change (after its build and a
                             syntax check pass; until then the running version keeps serving)
  -h, --help                 this help

environment:
  CONTROL_PLANE_PORT         port of the control plane and dashboard (default 8500)
  GATEWAY_PORT               port of the gateway (default 8080)`;

function withInstances(system: readonly ProcessSpec[], overrides: readonly string[]): ProcessSpec[] {
  const counts = new Map<string, number>();
  for (const override of overrides) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(override);
    if (!match) throw new UsageError(`--instances expects <name>=<n>, got "${override}"`);
    const [, name, count] = match as unknown as [string, string, string];
    if (!system.some((spec) => spec.name === name)) {
      throw new UsageError(
        `--instances: no process "${name}" (have: ${system.map((spec) => spec.name).join(', ')})`,
      );
    }
    const n = Number(count);
    if (n < 1 || n > MAX_INSTANCES)
      throw new UsageError(`--instances ${name}: n must be 1 to ${MAX_INSTANCES}`);
    counts.set(name, n);
  }
  return system.map((spec) => ({ ...spec, instances: counts.get(spec.name) ?? spec.instances }));
}

function statusLine(instances: readonly InstanceView[], startedAt: number): string {
  const ready = instances.filter((instance) => instance.state === 'ready').length;
  const restarts = instances.reduce((sum, instance) => sum + instance.restarts, 0);
  const notable = instances
    .filter((instance) => instance.state !== 'ready' || instance.problem)
    .map((instance) => `${instance.id} ${instance.problem ? 'not rebuilt' : instance.state}`);
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  return [
    `flotilla ${ready}/${instances.length} ready`,
    ...notable,
    `restarts ${restarts}`,
    `${seconds} s`,
  ].join(' · ');
}

function chooseSystem(
  io: Io,
  config: string | undefined,
): { system: readonly ProcessSpec[]; source: string } {
  const file = resolve(io.cwd, config ?? CONFIG_FILE);
  if (!config && !existsSync(file)) {
    throw new UsageError(
      `no ${CONFIG_FILE} in ${io.cwd}: run this in a Flotilla project (npm create flotilla makes one) or pass --config`,
    );
  }
  return { system: wireSystem(loadSystemConfig(file), systemPorts(io.env)), source: file };
}

/** Leaves out the processes whose `requires` are not all on PATH, saying so once for each. */
function withRequiredTools(
  system: readonly ProcessSpec[],
  path: string | undefined,
  log: (line: string) => void,
): ProcessSpec[] {
  return system.filter((spec) => {
    const missing = (spec.requires ?? []).filter((tool) => !findExecutable(tool, path));
    if (missing.length === 0) return true;
    log(
      `skipping ${spec.name}: requires ${missing.map((tool) => `"${tool}"`).join(', ')}, not found on PATH`,
    );
    return false;
  });
}

/**
 * The control plane is told where the supervisor's control endpoint is, so that its dashboard can
 * show what only the supervisor knows: a changed process that failed to build or parse. Its own
 * `env` in the system file wins.
 */
function withSupervisorUrl(system: readonly ProcessSpec[], url: string): ProcessSpec[] {
  return system.map((spec) =>
    spec.role === 'control-plane'
      ? { ...spec, environment: { FLOTILLA_SUPERVISOR_URL: url, ...spec.environment } }
      : spec,
  );
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run the system: control plane, gateway, services (Ctrl-C stops it)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('start', args, {
      config: { type: 'string' },
      instances: { type: 'string', multiple: true },
      watch: { type: 'boolean' },
    });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`start: unexpected argument "${positionals[0]}"`);
    const chosen = chooseSystem(io, values.config);
    const configured = withInstances(chosen.system, values.instances ?? []);
    const terminal = new Terminal(io.stdout);
    const log = (line: string) => terminal.log(`[flotilla] ${line}`);
    const system = withRequiredTools(configured, io.env.PATH, log);
    // After every usage check: a taken port is a problem of this machine, not of the command.
    await assertPortsFree(portsInUse(system, systemPorts(io.env)));
    const startedAt = Date.now();
    let allReady = false;
    const control = await startSupervisorControl(io.cwd);
    const supervisor: Supervisor = new Supervisor({
      processes: withSupervisorUrl(system, control.url),
      environment: {
        LOG_PRETTY: String(terminal.isTTY),
        ...(terminal.isTTY ? { FORCE_COLOR: '1' } : {}),
        ...io.env,
      },
      cwd: io.cwd,
      log,
      output: (_instance, line) => terminal.log(line),
      onChange: () => {
        const instances = supervisor.instances;
        terminal.status(statusLine(instances, startedAt));
        if (!allReady && instances.every((instance) => instance.state === 'ready')) {
          allReady = true;
          log(
            `all ${instances.length} process(es) ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
          );
        }
      },
    });

    const count = system.reduce((sum, spec) => sum + spec.instances, 0);
    log(`starting ${count} process(es) from ${chosen.source}`);
    control.serve(supervisor);
    const ticker = terminal.isTTY
      ? setInterval(() => terminal.status(statusLine(supervisor.instances, startedAt)), 1000)
      : undefined;
    await Promise.race([supervisor.start(), io.interrupted]);
    for (const spec of system) {
      for (const [label, url] of Object.entries(spec.urls ?? {})) log(`${label}: ${url}`);
    }
    let watcher: SourceWatcher | undefined;
    if (values.watch) {
      watcher = watchSources(system, (name) => supervisor.reload(name));
      await Promise.race([watcher.ready, io.interrupted]);
      const watched = system.filter((spec) => spec.watch?.length).map((spec) => spec.name);
      log(`watching the sources of ${watched.join(', ') || 'no process'}`);
    }

    const signal = await io.interrupted;
    clearInterval(ticker);
    await watcher?.close();
    log(`${signal}: stopping ${supervisor.running} process(es)`);
    await supervisor.stop();
    await control.close();
    terminal.close();
    log('stopped');
    return 0;
  },
};
