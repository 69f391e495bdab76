import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { createHttpServer, type HttpServer } from './create-http-server.js';

let app: HttpServer;
let port: number;

beforeAll(async () => {
  app = await createHttpServer({
    name: 't',
    version: '1',
    logger: createLogger({ name: 't', level: 'silent' }),
  });
  app.get('/ok', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(() => app.close());

/** Everything the server wrote until it closed the connection (or 3 s passed). */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 3_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(text);
  });
}

describe('answers node and Fastify would give without a problem body', () => {
  const cases: [string, string, number, string][] = [
    [
      'oversized headers',
      `GET /ok HTTP/1.1\r\nhost: t\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    [
      'a malformed request',
      'GET /ok HTTP/1.1\r\nhost: t\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab',
      400,
      'BAD_REQUEST',
    ],
    [
      'an unsupported Expect',
      'GET /ok HTTP/1.1\r\nhost: t\r\nexpect: teapot\r\nconnection: close\r\n\r\n',
      417,
      'EXPECTATION_FAILED',
    ],
  ];
  for (const [name, request, status, code] of cases) {
    it(`answers ${name} with a ${status} problem`, async () => {
      const answer = await raw(request);
      expect(answer.slice(9, 12)).toBe(String(status));
      expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
      expect(answer).toContain(`"code":"${code}"`);
    });
  }
});
