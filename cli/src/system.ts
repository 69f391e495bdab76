import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

// Every process of the reference system finds the others, and sends its spans, through the
// control plane: the embedded stand-in for Consul and an OTLP collector.
const CONTROL_PLANE = 'http://127.0.0.1:8500';
const joinControlPlane = {
  REGISTRY_URL: CONTROL_PLANE,
  OTEL_EXPORTER_OTLP_ENDPOINT: CONTROL_PLANE,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
};

const reference: readonly ProcessSpec[] = [
  {
    name: 'control-plane',
    entry: `${root}packages/control-plane/src/main.ts`,
    role: 'control-plane',
    instances: 1,
    urls: { dashboard: 'http://127.0.0.1:8500/ui' },
    readyUrl: 'http://127.0.0.1:8500/v1/status/leader',
  },
  {
    name: 'gateway',
    entry: `${root}gateway/src/main.ts`,
    role: 'gateway',
    instances: 1,
    environment: { ...joinControlPlane, PORT: '8080', ROUTES_FILE: `${root}gateway/routes.json` },
    urls: { gateway: 'http://127.0.0.1:8080' },
    readyUrl: 'http://127.0.0.1:8080/health/ready',
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

/** The reference system: every part of it that exists in this checkout. */
export function referenceSystem(): readonly ProcessSpec[] {
  return reference.filter((spec) => existsSync(spec.entry));
}
