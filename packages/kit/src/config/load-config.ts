import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from './config-error.js';
import type { ConfigSchema, ConfigValues } from './variables.js';

/** Environment variables by name, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A config that passed its schema. */
export interface LoadedConfig<S extends ConfigSchema> {
  /** The values, typed by the schema. */
  readonly values: ConfigValues<S>;
  /** Every secret value in force, so loggers can mask them wherever they appear. */
  readonly secrets: readonly string[];
  /** The configuration as it may be logged: secrets replaced by `[redacted]`. */
  readonly redacted: Readonly<Record<string, unknown>>;
}

/** How a config is loaded. */
export interface LoadConfigOptions {
  /** Names the process in error messages. */
  readonly subject: string;
  /** Reads a `NAME_FILE` secret; the file system unless a test brings its own. */
  readonly readFile?: (path: string) => string;
}

/**
 * Validates an environment against a schema. Never returns a partly valid config: all problems are
 * collected first, then thrown together as one ConfigError.
 */
export function loadConfig<S extends ConfigSchema>(
  schema: S,
  environment: Environment,
  options: LoadConfigOptions,
): LoadedConfig<S> {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const issues: ConfigIssue[] = [];
  const values: Record<string, unknown> = {};
  const redacted: Record<string, unknown> = {};
  const secrets: string[] = [];

  for (const [name, spec] of Object.entries(schema)) {
    let raw = blankToUndefined(environment[name]);
    if (spec.secret) {
      const file = blankToUndefined(environment[`${name}_FILE`]);
      if (raw !== undefined && file !== undefined) {
        issues.push({ variable: name, message: `set either ${name} or ${name}_FILE, not both` });
        continue;
      }
      if (file !== undefined) {
        try {
          raw = readFile(file).replace(/\r?\n$/, '');
        } catch (error) {
          const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
          issues.push({ variable: `${name}_FILE`, message: `cannot read secret file ${file} (${reason})` });
          continue;
        }
      }
    }
    if (raw === undefined) {
      if (spec.hasDefault || spec.optional) {
        values[name] = spec.defaultValue;
        redacted[name] = spec.defaultValue;
      } else {
        const how = spec.secret ? `set ${name} or ${name}_FILE` : `set ${name}`;
        issues.push({ variable: name, message: `required (${spec.describe}); ${how}` });
      }
      continue;
    }
    try {
      values[name] = spec.parse(raw);
      if (spec.secret) {
        secrets.push(raw);
        redacted[name] = '[redacted]';
      } else {
        redacted[name] = maskUrlPassword(values[name]);
      }
    } catch (error) {
      const shown = spec.secret ? '' : ` (got "${truncate(String(maskUrlPassword(raw)))}")`;
      issues.push({ variable: name, message: `${(error as Error).message}${shown}` });
    }
  }

  if (issues.length > 0) throw new ConfigError(options.subject, issues);
  return {
    values: Object.freeze(values) as ConfigValues<S>,
    secrets: Object.freeze(secrets),
    redacted: Object.freeze(redacted),
  };
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Database and broker URLs carry passwords; logs and messages must not. A value that does not
 * parse as a URL with a password is masked by its shape: whatever stands between a colon and `@`.
 */
function maskUrlPassword(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes('@')) return value;
  if (URL.canParse(value)) {
    const url = new URL(value);
    if (url.password !== '') {
      url.password = '***';
      return url.toString();
    }
  }
  return value.replace(/:[^:@\s/]*@/g, ':***@');
}
