import { dirname, join } from 'node:path';
import { stopOnSignals } from '@flotilla/kit';
import { ConfigError, EXIT_CONFIG, env, loadConfig, withDotEnv } from '@flotilla/kit/config';
import { describeTransport, parseKafkaUrl } from '@flotilla/kit/events';
import { createLogger, logConfigSchema } from '@flotilla/kit/telemetry';
import { startControlPlane } from './start-control-plane.js';

const schema = {
  HOST: env.string({ default: '127.0.0.1', describe: 'interface to listen on' }),
  PORT: env.port({ default: 8500, describe: 'port of the Consul-compatible API (Consul uses 8500)' }),
  ...logConfigSchema,
  REGISTRY_SNAPSHOT_PATH: env.string({
    default: '.flotilla/control-plane/registry.json',
    describe: 'file the registrations are saved to, to survive a restart',
  }),
  TELEMETRY_SNAPSHOT_PATH: env.string({
    optional: true,
    describe:
      'file recent traces and log lines are saved to, to survive a restart; default: telemetry.json beside the registry snapshot',
  }),
  CHECK_TICK: env.duration({ default: 100, describe: 'how often due checks are looked at' }),
  EVENTS_URL: env.url({
    check: { 'kafka:': parseKafkaUrl },
    optional: true,
    secret: true,
    describe: "the system's events transport, for the dashboard",
  }),
  GATEWAY_URL: env.url({
    optional: true,
    describe:
      "the gateway the dashboard's API explorer sends requests through; default: the registered gateway",
  }),
  FLOTILLA_SUPERVISOR_URL: env.url({
    optional: true,
    describe:
      "the control endpoint of the `flotilla start` running this control plane (it sets it), for the dashboard's build problems",
  }),
};

let config: ReturnType<typeof loadConfig<typeof schema>>['values'];
try {
  config = loadConfig(schema, withDotEnv(process.env, process.cwd()), { subject: 'control-plane' }).values;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(EXIT_CONFIG);
}
const logger = createLogger({ name: 'control-plane', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
let controlPlane: Awaited<ReturnType<typeof startControlPlane>>;
try {
  controlPlane = await startControlPlane({
    host: config.HOST,
    port: config.PORT,
    logger,
    snapshotPath: config.REGISTRY_SNAPSHOT_PATH,
    // Beside the registry's by default, so that control planes kept apart by their registry
    // snapshot (one per project, one per test) never read each other's traces.
    telemetrySnapshotPath:
      config.TELEMETRY_SNAPSHOT_PATH ?? join(dirname(config.REGISTRY_SNAPSHOT_PATH), 'telemetry.json'),
    checkTickMs: config.CHECK_TICK,
    // The kind, label and host the transport itself declares, never the URL's credentials.
    transport: describeTransport(config.EVENTS_URL),
    ...(config.GATEWAY_URL ? { gatewayUrl: config.GATEWAY_URL } : {}),
    ...(config.FLOTILLA_SUPERVISOR_URL ? { supervisorUrl: config.FLOTILLA_SUPERVISOR_URL } : {}),
    ...(config.EVENTS_URL?.startsWith('kafka:')
      ? { consumerLag: await kafkaLagReader(parseKafkaUrl(config.EVENTS_URL).brokers) }
      : {}),
  });
} catch (error) {
  process.stderr.write(`control-plane failed to start: ${(error as Error).message}\n`);
  process.exit(1);
}
/** Kafka keeps each group's committed offsets, so the lag is read from the broker; its client only then. */
async function kafkaLagReader(brokers: readonly string[]) {
  const { kafkaConsumerLag } = await import('./dashboard/kafka-consumer-lag.js');
  // The kit names each subscribing service's group `flotilla.<service>`.
  return kafkaConsumerLag({ brokers, groupPrefix: 'flotilla.' });
}

stopOnSignals(() => controlPlane.stop(), logger);
