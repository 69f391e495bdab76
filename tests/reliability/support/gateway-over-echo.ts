import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill, repositoryRoot, type SpawnedService, spawnService } from '../../support/spawn-service.js';

export interface GatewayOverEcho {
  readonly gateway: SpawnedService;
  /** Gateway path answered 200 by the upstream. */
  readonly path: string;
  close(): Promise<void>;
}

/**
 * The gateway as its own process in front of a tiny upstream in this process that answers every
 * request with a small JSON body, so what is measured is the gateway alone. Rate limiting is off:
 * the load is the test's to choose.
 */
export async function gatewayOverEcho(environment: Record<string, string> = {}): Promise<GatewayOverEcho> {
  const upstream = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path: request.url }));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as { port: number };
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-gateway-'));
  const routesFile = join(scratch, 'routes.json');
  writeFileSync(routesFile, JSON.stringify({ routes: [{ prefix: '/api/echo', service: 'echo' }] }));
  const gateway = await spawnService(
    join(repositoryRoot, 'packages/gateway/src/main.ts'),
    {
      PORT: '0',
      LOG_LEVEL: 'info',
      ROUTES_FILE: routesFile,
      UPSTREAMS: `echo=http://127.0.0.1:${port}`,
      RATE_LIMIT: '0',
      ...environment,
    },
    60_000,
  );
  // Log lines are kept in memory by the spawn helper; a long run must not grow this process.
  gateway.child.stdout?.removeAllListeners('data');
  gateway.child.stdout?.resume();
  return {
    gateway,
    path: '/api/echo/ping',
    async close() {
      await kill(gateway);
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
