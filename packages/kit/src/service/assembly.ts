import type { ConfigValues } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import type { baseConfigSchema } from './base-config.js';
import type { ServiceDefinition } from './define-service.js';
import type { Lifecycle } from './lifecycle.js';
import type { StartServiceOptions } from './start-service.js';

export type BaseConfig = ConfigValues<typeof baseConfigSchema>;

/** What every assembly step reads: the definition, the caller's options, config, log and shutdown. */
export interface Assembly {
  readonly definition: Omit<ServiceDefinition, 'routes' | 'config'>;
  readonly options: StartServiceOptions;
  readonly base: BaseConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
}
