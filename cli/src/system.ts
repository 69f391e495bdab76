import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.js';

/**
 * Shutdown goes services → gateway → control plane (start-up the other way round), so nothing is
 * left talking to a registry or a front door that is already gone.
 */
export type ProcessRole = 'control-plane' | 'gateway' | 'service';

/** One process of a system, as the supervisor starts it. */
export interface ProcessSpec {
  readonly name: string;
  /** A TypeScript or JavaScript file, run with `node --import tsx`. */
  readonly entry: string;
  readonly role: ProcessRole;
  readonly instances: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** Addresses to print once started, e.g. `{ dashboard: 'http://127.0.0.1:8500/ui' }`. */
  readonly urls?: Readonly<Record<string, string>>;
  /**
   * Polled until it answers 2xx, for processes that do not report readiness over IPC. The control
   * plane is waited for before anything else starts.
   */
  readonly readyUrl?: string;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where the reference system listens: Consul's and the usual gateway port unless overridden. */
export const DEFAULT_PORTS = { CONTROL_PLANE_PORT: 8500, GATEWAY_PORT: 8080 } as const;

function portFrom(
  environment: Readonly<Record<string, string | undefined>>,
  name: keyof typeof DEFAULT_PORTS,
) {
  const value = environment[name];
  if (value === undefined || value === '') return DEFAULT_PORTS[name];
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535) {
    throw new CliError(`${name} must be a port number from 1 to 65535, got "${value}"`);
  }
  return port;
}

/** The fixed ports of the reference system, by the variable that overrides each. */
export function referencePorts(environment: Readonly<Record<string, string | undefined>>) {
  return {
    CONTROL_PLANE_PORT: portFrom(environment, 'CONTROL_PLANE_PORT'),
    GATEWAY_PORT: portFrom(environment, 'GATEWAY_PORT'),
  };
}

function reference(environment: Readonly<Record<string, string | undefined>>): ProcessSpec[] {
  const ports = referencePorts(environment);
  const controlPlane = `http://127.0.0.1:${ports.CONTROL_PLANE_PORT}`;
  const gatewayPort = String(ports.GATEWAY_PORT);
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  // Every process of the reference system finds the others, and sends its spans, through the
  // control plane: the embedded stand-in for Consul and an OTLP collector.
  const joinControlPlane = {
    REGISTRY_URL: controlPlane,
    OTEL_EXPORTER_OTLP_ENDPOINT: controlPlane,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  };
  return [
    {
      name: 'control-plane',
      entry: `${root}packages/control-plane/src/main.ts`,
      role: 'control-plane',
      instances: 1,
      environment: { PORT: new URL(controlPlane).port },
      urls: { dashboard: `${controlPlane}/ui` },
      readyUrl: `${controlPlane}/v1/status/leader`,
    },
    {
      name: 'gateway',
      entry: `${root}gateway/src/main.ts`,
      role: 'gateway',
      instances: 1,
      environment: { ...joinControlPlane, PORT: gatewayPort, ROUTES_FILE: `${root}gateway/routes.json` },
      urls: { gateway },
      readyUrl: `${gateway}/health/ready`,
    },
    ...['users', 'orders', 'notifications'].map(
      (name): ProcessSpec => ({
        name,
        entry: `${root}services/${name}/src/main.ts`,
        role: 'service',
        instances: 1,
        environment: joinControlPlane,
      }),
    ),
  ];
}

/** The reference system: every part of it that exists in this checkout. */
export function referenceSystem(
  environment: Readonly<Record<string, string | undefined>>,
): readonly ProcessSpec[] {
  return reference(environment).filter((spec) => existsSync(spec.entry));
}
