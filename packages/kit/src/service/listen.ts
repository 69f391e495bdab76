import { type HttpServer, urlHost } from '../http/index.js';
import type { Logger } from '../telemetry/index.js';
import type { Assembly } from './assembly.js';

/** Listens, with the drain that stops it registered for shutdown; answers where it listens. */
export async function listen(
  { base, logger, lifecycle }: Assembly,
  app: HttpServer,
): Promise<{ url: string; port: number }> {
  lifecycle.onShutdown('http', () => drain(app, base.SHUTDOWN_TIMEOUT, logger));
  await app.listen({ host: base.HOST, port: base.PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : base.PORT;
  return { url: `http://${urlHost(base.HOST)}:${port}`, port };
}

/** Stops accepting, lets in-flight requests finish, and cuts whatever is still open at the deadline. */
async function drain(app: HttpServer, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), timeoutMs);
  });
  // Closing drops the connections idle at that moment; one busy then turns idle when its request
  // ends, and keep-alive would hold it open until the deadline. Deregistered by now, the instance
  // gets no new requests, so idle connections are dropped as they appear.
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  const outcome = await Promise.race([app.close().then(() => 'drained' as const), deadline]);
  clearTimeout(timer);
  clearInterval(sweep);
  if (outcome === 'deadline') {
    logger.warn({ timeoutMs }, 'drain deadline reached; closing remaining connections');
    app.server.closeAllConnections();
  }
}
