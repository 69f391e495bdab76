import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';

let upstream: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('x'.repeat(1000));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  proxy = await FaultProxy.start(`http://127.0.0.1:${(upstream.address() as { port: number }).port}`);
});
afterEach(() => proxy.clear());
afterAll(async () => {
  await proxy.close();
  upstream.close();
});

const get = (timeoutMs = 2_000) => fetch(proxy.url, { signal: AbortSignal.timeout(timeoutMs) });

describe('fault proxy', () => {
  it('passes traffic through untouched by default', async () => {
    const response = await get();
    expect(await response.text()).toHaveLength(1000);
  });

  it('adds latency', async () => {
    proxy.set({ latencyMs: 200 });
    const started = performance.now();
    await (await get()).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('resets connections', async () => {
    proxy.set({ reset: true });
    await expect(get()).rejects.toThrow();
  });

  it('black-holes: the client waits until its own timeout', async () => {
    proxy.set({ blackhole: true });
    await expect(get(200)).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('cuts the answer after N bytes', async () => {
    proxy.set({ limitBytes: 300 });
    const { bytes } = await rawGet();
    expect(bytes).toBe(300);
  });

  it('delays the close', async () => {
    const plain = await rawGet();
    proxy.set({ slowCloseMs: 200 });
    const slow = await rawGet();
    expect(slow.bytes).toBe(plain.bytes);
    expect(slow.ms).toBeGreaterThanOrEqual(190);
  });
});

/** A raw HTTP/1.0 GET over TCP: bytes received and time until the proxy closed the connection. */
async function rawGet(): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const socket = connect(proxy.port, '127.0.0.1');
  socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  await Promise.race([once(socket, 'close'), new Promise((resolve) => setTimeout(resolve, 3_000))]);
  return { bytes, ms: performance.now() - started };
}
