/**
 * Settings from the environment (and `.env`), declared as a schema and checked at start.
 *
 * @packageDocumentation
 */
export { ConfigError, type ConfigIssue, EXIT_CONFIG } from './config-error.js';
export { withDotEnv } from './dotenv-environment.js';
export { type Environment, type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js';
export { type ConfigSchema, type ConfigValues, env, type Variable } from './variables.js';
