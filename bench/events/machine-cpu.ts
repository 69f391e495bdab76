/**
 * The machine's CPU time per program, from /proc: which of PostgreSQL, the broker and the Node
 * process (relay, consumer and writers) a stage's events cost, in the same run as its rate.
 * A process's reaped children count in its own total (cutime/cstime), so PostgreSQL backends that
 * exit between two readings are still counted, under the postmaster.
 */
import { readdirSync } from 'node:fs';
import { type ProcStat, procStat } from '../proc-stat.js';

export type MachineCpu = ReadonlyMap<string, number>;

function program(pid: string, command: string): string {
  if (pid === String(process.pid)) return 'node (bench)';
  if (command === 'postgres') return 'postgres';
  if (command === 'beam.smp' || command === 'erl_child_setup') return 'rabbitmq';
  if (command === 'nats-server') return 'nats';
  // The only JVM the engines run is Kafka's broker.
  if (command === 'java') return 'kafka';
  if (/^(kworker|ksoftirqd|kdamond|jbd2|kswapd)/.test(command)) return 'kernel';
  return 'other';
}

/** CPU seconds (user + system, own and reaped children's) of every process, summed per program. */
export function machineCpu(): MachineCpu {
  const seconds = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let stat: ProcStat;
    try {
      stat = procStat(pid);
    } catch {
      continue; // exited since the listing
    }
    const name = program(pid, stat.command);
    seconds.set(name, (seconds.get(name) ?? 0) + stat.cpuSeconds + stat.reapedChildrenCpuSeconds);
  }
  return seconds;
}

/** "total 430 µs: postgres 162, node (bench) 109, …" per event between two readings. */
export function cpuPerEvent(before: MachineCpu, after: MachineCpu, events: number): string {
  const perEvent = [...after]
    .map(([name, seconds]) => [name, ((seconds - (before.get(name) ?? 0)) / events) * 1e6] as const)
    .filter(([, micros]) => micros >= 1)
    .sort((x, y) => y[1] - x[1]);
  const total = perEvent.reduce((sum, [, micros]) => sum + micros, 0);
  return `${total.toFixed(0)} µs: ${perEvent.map(([name, micros]) => `${name} ${micros.toFixed(0)}`).join(', ')}`;
}
