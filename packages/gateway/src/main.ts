import { readFileSync } from 'node:fs';
import { stopOnSignals } from '@flotilla/kit';
import { ConfigError, EXIT_CONFIG, loadConfig, withDotEnv } from '@flotilla/kit/config';
import { createRegistry, discoveryBalancer, noInstances, staticBalancer } from '@flotilla/kit/discovery';
import { HealthMonitor } from '@flotilla/kit/health';
import {
  createLogger,
  createMetrics,
  logShipperOptionsFrom,
  OtlpLogShipper,
  startTelemetry,
  telemetryOptionsFrom,
  traceLogFields,
} from '@flotilla/kit/telemetry';
import { gatewayConfigSchema } from './gateway-config.js';
import { gatewayFromConfig } from './gateway-from-config.js';
import { registerGateway } from './register-gateway.js';
import { registryRouteSource } from './routes/registry-route-source.js';

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

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const traced = telemetryOptionsFrom(config, { name: 'gateway', version });
// A proxy's own work per request is a few tens of µs, and recording a span costs as much again:
// outside the trace budget the gateway records nothing, and a failed request shows in its logs.
const telemetry = startTelemetry(
  traced.sampler ? { ...traced, sampler: { ...traced.sampler, entrySpans: false } } : traced,
);
const shipping = logShipperOptionsFrom(config, { name: 'gateway', version });
const shipper = shipping ? new OtlpLogShipper(shipping) : undefined;
const logger = createLogger({
  name: 'gateway',
  level: config.LOG_LEVEL,
  pretty: config.LOG_PRETTY,
  secrets: loaded.secrets,
  // Lines written while handling a request carry its trace_id and span_id.
  ...(telemetry.enabled ? { mixin: traceLogFields } : {}),
  ...(shipper ? { ship: shipper } : {}),
});

// Upstreams come from the registry; `UPSTREAMS=users=http://127.0.0.1:3001,…` fixes them instead
// (a gateway in front of services that do not register).
const upstreams: Record<string, string[]> = {};
for (const entry of config.UPSTREAMS) {
  const [service, url] = entry.split('=', 2);
  if (!service || !url || !URL.canParse(url)) fail(`UPSTREAMS: "${entry}" is not service=http://host:port`);
  upstreams[service] = [...(upstreams[service] ?? []), url];
}
const registry = config.REGISTRY_URL
  ? createRegistry(config.REGISTRY_URL, { token: config.REGISTRY_TOKEN })
  : undefined;
const balancer =
  config.UPSTREAMS.length > 0
    ? staticBalancer(upstreams)
    : registry
      ? discoveryBalancer({ registry, logger })
      : noInstances;
const extraRoutes = registry
  ? (defaults: Parameters<typeof registryRouteSource>[0]['defaults']) =>
      registryRouteSource({ registry, defaults, refreshMs: config.REGISTRY_ROUTES_REFRESH, logger })
  : undefined;
const metrics = createMetrics({ service: 'gateway' });
const health = new HealthMonitor({ checkTimeoutMs: config.HEALTH_CHECK_TIMEOUT });

let gateway: ReturnType<typeof gatewayFromConfig>;
try {
  gateway = gatewayFromConfig(config, {
    balancer,
    logger,
    metrics,
    health,
    ...(extraRoutes ? { extraRoutes } : {}),
    ...(telemetry.enabled ? { tracing: telemetry } : {}),
  });
} catch (error) {
  fail((error as Error).message);
}
const address = await gateway
  .listen(config.PORT, config.HOST)
  .catch((error: NodeJS.ErrnoException) =>
    fail(`cannot listen on ${config.HOST}:${config.PORT} (${error.code ?? error.message})`),
  );
health.markStarted();
// A DNS registry takes no registrations; a Consul-style one lists the gateway for the dashboard.
const registration =
  registry?.kind === 'consul'
    ? await registerGateway(registry, { host: config.HOST, port: address.port }, logger)
    : undefined;
logger.info(
  { url: `http://${address.address}:${address.port}`, config: loaded.redacted },
  'gateway listening',
);

stopOnSignals(async () => {
  health.markShuttingDown();
  await registration?.stop();
  await gateway.close(config.SHUTDOWN_TIMEOUT);
  // The spans of the last requests are exported before the process ends.
  await telemetry.shutdown();
  await shipper?.close();
}, logger);
