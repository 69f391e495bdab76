import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly bodyBytes: number;
}

export interface EchoUpstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Next answers use this status (default 200). */
  status: number;
  /** Next answers wait this long before the head. */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * A test upstream answering every request with JSON describing it, hop-by-hop headers of its own
 * (to check the gateway strips them on the way back) and its own request id and RateLimit field
 * (to check the gateway's replace them).
 */
export async function echoUpstream(): Promise<EchoUpstream> {
  const seen: SeenRequest[] = [];
  const state = { status: 200, delayMs: 0 };
  const server: Server = createServer((request, response) => {
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        bodyBytes,
      };
      seen.push(entry);
      setTimeout(() => {
        const body = JSON.stringify(entry);
        response.writeHead(state.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'keep-alive': 'timeout=5',
          connection: 'keep-alive, x-upstream-secret',
          'x-upstream-secret': 'internal',
          'proxy-authenticate': 'Basic',
          // Fields the gateway sets on its answers itself: its values must replace these.
          'x-request-id': 'chosen-by-upstream',
          'ratelimit-remaining': '999',
        });
        response.end(body);
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
