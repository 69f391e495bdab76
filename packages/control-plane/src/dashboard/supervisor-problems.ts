import type { ProcessProblem } from './overview.js';

/** One instance as the supervisor's `GET /processes` lists it; only what the page shows is read. */
interface SupervisedInstance {
  readonly name?: unknown;
  readonly pid?: unknown;
  readonly problem?: unknown;
}

/**
 * `processProblems` backed by the control endpoint of the `flotilla start` that runs this control
 * plane: each process whose changed sources failed to build or parse, once (its instances share
 * the problem), with how many of its instances still serve the previous version. A supervisor that
 * does not answer has no problem to show: the rest of the page must not wait for it or fail with it.
 */
export function supervisorProblems(
  baseUrl: string,
  fetchImpl: typeof fetch = globalThis.fetch,
  timeoutMs = 1000,
) {
  return async (): Promise<ProcessProblem[]> => {
    let instances: unknown;
    try {
      const response = await fetchImpl(new URL('/processes', baseUrl), {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) return [];
      instances = await response.json();
    } catch {
      return [];
    }
    if (!Array.isArray(instances)) return [];
    const problems = new Map<string, ProcessProblem>();
    for (const instance of instances as SupervisedInstance[]) {
      const { name, problem } = instance ?? {};
      if (typeof name !== 'string' || typeof problem !== 'string' || problem === '') continue;
      const serving = (problems.get(name)?.serving ?? 0) + (typeof instance.pid === 'number' ? 1 : 0);
      problems.set(name, { process: name, problem, serving });
    }
    return [...problems.values()];
  };
}
