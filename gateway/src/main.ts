import { ConfigError, loadConfig, withDotEnv } from '@flotilla/kit/config';
import { noInstances } from '@flotilla/kit/discovery';
import { HealthMonitor } from '@flotilla/kit/health';
import { createLogger, createMetrics } from '@flotilla/kit/telemetry';
import { staticBalancer } from '@flotilla/kit/testing';
import { gatewayConfigSchema } from './gateway-config.js';
import { gatewayFromConfig } from './gateway-from-config.js';

// Exit code for a bad configuration (sysexits' EX_CONFIG), as services use.
const EXIT_CONFIG = 78;

function fail(message: string): never {
  process.stderr.write(`gateway: ${message}\n`);
  process.exit(EXIT_CONFIG);
}

let loaded: ReturnType<typeof loadConfig<typeof gatewayConfigSchema>>;
try {
  loaded = loadConfig(gatewayConfigSchema, withDotEnv(process.env, process.cwd()), { subject: 'gateway' });
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const config = loaded.values;

// Static instances (`UPSTREAMS=users=http://127.0.0.1:3001,…`) until a registry balancer is wired in.
const upstreams: Record<string, string[]> = {};
for (const entry of config.UPSTREAMS) {
  const [service, url] = entry.split('=', 2);
  if (!service || !url || !URL.canParse(url)) fail(`UPSTREAMS: "${entry}" is not service=http://host:port`);
  upstreams[service] = [...(upstreams[service] ?? []), url];
}
const balancer = config.UPSTREAMS.length > 0 ? staticBalancer(upstreams) : noInstances;

const logger = createLogger({
  name: 'gateway',
  level: config.LOG_LEVEL,
  pretty: config.LOG_PRETTY,
  secrets: loaded.secrets,
});
const metrics = createMetrics({ service: 'gateway' });
const health = new HealthMonitor({ checkTimeoutMs: config.HEALTH_CHECK_TIMEOUT });

let gateway: ReturnType<typeof gatewayFromConfig>;
try {
  gateway = gatewayFromConfig(config, { balancer, logger, metrics, health });
} catch (error) {
  fail((error as Error).message);
}
const address = await gateway
  .listen(config.PORT, config.HOST)
  .catch((error: NodeJS.ErrnoException) =>
    fail(`cannot listen on ${config.HOST}:${config.PORT} (${error.code ?? error.message})`),
  );
health.markStarted();
logger.info(
  { url: `http://${address.address}:${address.port}`, config: loaded.redacted },
  'gateway listening',
);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) process.exit(1);
  stopping = true;
  logger.info({ signal }, 'shutting down');
  health.markShuttingDown();
  gateway.close(config.SHUTDOWN_TIMEOUT).then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
