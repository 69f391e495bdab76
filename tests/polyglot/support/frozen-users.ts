import type { SpawnedService } from '../../support/spawn-service.js';
import { until } from '../../support/until.js';

/**
 * Runs `work` with `service` frozen (SIGSTOP), thawed after whatever happens: still listed as
 * passing for a while, it takes calls and never answers, as a hung dependency does.
 */
export async function whileFrozen<T>(service: SpawnedService, work: () => Promise<T>): Promise<T> {
  service.child.kill('SIGSTOP');
  try {
    return await work();
  } finally {
    service.child.kill('SIGCONT');
  }
}

/** Calls until an answer is CIRCUIT_OPEN; resolves with every answer, the open one last. */
export async function untilCircuitOpen<A extends { readonly body: Record<string, unknown> }>(
  call: () => Promise<A>,
): Promise<A[]> {
  const answers: A[] = [];
  await until(
    'the breaker open',
    async () => {
      const answer = await call();
      answers.push(answer);
      return answer.body.code === 'CIRCUIT_OPEN';
    },
    30_000,
    0,
  );
  return answers;
}
