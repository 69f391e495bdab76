import { readFileSync } from 'node:fs';

/** What the benchmarks read of a process from /proc/<pid>/stat (Linux; clock ticks are 100 Hz). */
export interface ProcStat {
  readonly command: string;
  /** User + system time of the process itself. */
  readonly cpuSeconds: number;
  /** User + system time of its children that have exited and been waited for. */
  readonly reapedChildrenCpuSeconds: number;
}

/** Throws when the process is gone. */
export function procStat(pid: number | string): ProcStat {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command sits in parentheses and may itself hold spaces or parentheses.
  const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    command,
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
    reapedChildrenCpuSeconds: (Number(fields[13]) + Number(fields[14])) / 100,
  };
}
