import { CliError } from './cli-error.js';

/**
 * Shutdown goes services → gateway → control plane (start-up the other way round), so nothing is
 * left talking to a registry or a front door that is already gone.
 */
export type ProcessRole = 'control-plane' | 'gateway' | 'service';

/** One process of a system, as the supervisor starts it. */
export interface ProcessSpec {
  readonly name: string;
  /** A JavaScript file, or a TypeScript one (run through tsx); or else `command`. */
  readonly entry?: string;
  /** A program and its arguments, for a process that is not Node (Go, Python, Rust…). */
  readonly command?: readonly string[];
  /** Where `command` and `build` run; the supervisor's own directory when not given. */
  readonly cwd?: string;
  /** Run to completion before the process starts, and again before each restart for a change. */
  readonly build?: readonly string[];
  /** Executables that must be on PATH, else the process is left out. */
  readonly requires?: readonly string[];
  /** Directories whose changes restart the process under `start --watch`. */
  readonly watch?: readonly string[];
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

/** Where a system listens: Consul's and the usual gateway port unless overridden. */
export const DEFAULT_PORTS = { CONTROL_PLANE_PORT: 8500, GATEWAY_PORT: 8080 } as const;
export type SystemPorts = Record<keyof typeof DEFAULT_PORTS, number>;

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

/** The fixed ports of a system, by the variable that overrides each. */
export function systemPorts(environment: Readonly<Record<string, string | undefined>>): SystemPorts {
  return {
    CONTROL_PLANE_PORT: portFrom(environment, 'CONTROL_PLANE_PORT'),
    GATEWAY_PORT: portFrom(environment, 'GATEWAY_PORT'),
  };
}

/** The fixed ports the system's roles listen on, for a check that they are free. */
export function portsInUse(system: readonly ProcessSpec[], ports: SystemPorts): Partial<SystemPorts> {
  const has = (role: ProcessRole) => system.some((spec) => spec.role === role);
  return {
    ...(has('control-plane') ? { CONTROL_PLANE_PORT: ports.CONTROL_PLANE_PORT } : {}),
    ...(has('gateway') ? { GATEWAY_PORT: ports.GATEWAY_PORT } : {}),
  };
}

/**
 * Joins a system's processes by role, so a system file lists only what is its own: the control
 * plane and the gateway get their fixed ports, readiness URLs and printed addresses; with a control
 * plane, everyone else finds the others and sends spans through it (the embedded stand-in for
 * Consul and an OTLP collector). A process's own `env` wins over all of this.
 */
export function wireSystem(system: readonly ProcessSpec[], ports: SystemPorts): ProcessSpec[] {
  const controlPlane = `http://127.0.0.1:${ports.CONTROL_PLANE_PORT}`;
  const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
  const joinControlPlane: Record<string, string> = system.some((spec) => spec.role === 'control-plane')
    ? {
        REGISTRY_URL: controlPlane,
        OTEL_EXPORTER_OTLP_ENDPOINT: controlPlane,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      }
    : {};
  return system.map((spec): ProcessSpec => {
    if (spec.role === 'control-plane') {
      return {
        urls: { dashboard: `${controlPlane}/ui` },
        readyUrl: `${controlPlane}/v1/status/leader`,
        ...spec,
        environment: { PORT: String(ports.CONTROL_PLANE_PORT), ...spec.environment },
      };
    }
    if (spec.role === 'gateway') {
      return {
        urls: { gateway },
        readyUrl: `${gateway}/health/ready`,
        ...spec,
        environment: { ...joinControlPlane, PORT: String(ports.GATEWAY_PORT), ...spec.environment },
      };
    }
    return { ...spec, environment: { ...joinControlPlane, ...spec.environment } };
  });
}
