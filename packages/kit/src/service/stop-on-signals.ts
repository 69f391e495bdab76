import type { Logger } from '../telemetry/index.js';

/**
 * The end of every Flotilla process: SIGTERM or SIGINT runs `stop` once and exits 0 (1 if it
 * failed); a second signal exits at once. Started by a supervisor over IPC, the supervisor going
 * away, however abruptly, counts as SIGTERM, so no process outlives it.
 */
export function stopOnSignals(stop: () => Promise<unknown>, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // `send` exists in a process started with IPC; not connected any more means the supervisor went
  // away while this process was still starting, before any listener could hear it.
  if (process.connected) process.once('disconnect', () => onSignal('SIGTERM'));
  else if (typeof process.send === 'function') onSignal('SIGTERM');
}
