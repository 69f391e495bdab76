import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny HTTP endpoint whose answer a test sets, for the registry's HTTP checks to probe. */
export interface HealthTarget {
  readonly url: string;
  status: number;
  close(): Promise<void>;
}

export async function healthTarget(status = 200): Promise<HealthTarget> {
  const target = { status } as { status: number };
  const server: Server = createServer((_request, response) => {
    response.writeHead(target.status, { 'content-type': 'text/plain' }).end(`status ${target.status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}/health/ready`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
