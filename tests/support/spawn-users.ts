import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './spawn-service.js';

/**
 * The users service as its own process (orders' tests may not import its code), on an embedded
 * database in a temporary directory. `stop()` kills it and removes the directory.
 */
export async function spawnUsers(): Promise<SpawnedService & { stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-users-'));
  const users = await spawnService(
    join(repositoryRoot, 'services/users/src/main.ts'),
    {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    },
    60_000,
  ); // a first embedded database takes a while on a busy machine
  return {
    ...users,
    async stop() {
      await kill(users);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
