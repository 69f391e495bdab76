import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fields of /proc/<pid>/stat after the command name (which may itself hold spaces or parens). */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(join('/proc', String(pid), 'stat'), 'utf8')
      .split(') ')[1]
      ?.split(' ');
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status); undefined once it has gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(join('/proc', String(pid), 'status'), 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Alive = has a /proc entry that is not a zombie (init may reap late in a container). */
export function alive(pid: number): boolean {
  if (!existsSync(join('/proc', String(pid), 'stat'))) return false;
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** The process state letter: R, S, T (stopped), Z, … */
export function processState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** Every live descendant of `pid` (children, grandchildren, …), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (Number.isInteger(parent)) parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found.filter(alive);
}
