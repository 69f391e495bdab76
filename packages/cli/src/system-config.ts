import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UsageError } from './cli-error.js';
import { entrySourceDirectories } from './source-directories.js';
import type { ProcessSpec } from './system.js';

export const CONFIG_FILE = 'flotilla.config';
export const MAX_INSTANCES = 32;

const Name = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 63 });

// Titled, because Type.Optional copies a schema and the copy is what an error points at.
const Argv = Type.Array(Type.String({ minLength: 1 }), { minItems: 1, title: 'argv' });

const ProcessEntry = Type.Object(
  {
    name: Name,
    entry: Type.Optional(Type.String({ minLength: 1 })),
    command: Type.Optional(Argv),
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    build: Type.Optional(Argv),
    requires: Type.Optional(Type.Array(Type.String({ pattern: '^[^/\\s]+$' }))),
    watch: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    instances: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INSTANCES })),
    env: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String())),
    role: Type.Optional(
      Type.Union([Type.Literal('control-plane'), Type.Literal('gateway'), Type.Literal('service')]),
    ),
    urls: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: '^https?://' }))),
    readyUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  },
  { additionalProperties: false },
);

const SystemConfig = Type.Object(
  { processes: Type.Array(ProcessEntry, { minItems: 1 }) },
  { additionalProperties: false },
);
type SystemConfig = Static<typeof SystemConfig>;
type ProcessEntry = Static<typeof ProcessEntry>;

/** `/processes/1/instances` → `processes[1].instances`, as a person writes it. */
function fieldName(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

function describe(error: { path: string; message: string; schema: unknown }): string {
  const schema = error.schema as { pattern?: string; minimum?: number; maximum?: number; title?: string };
  if (schema === Name) return 'must be lowercase kebab-case (e.g. "billing" or "order-history")';
  if (schema.title === Argv.title)
    return 'must be an array of strings, the program first (e.g. ["go", "run", "."])';
  if (schema.minimum !== undefined && schema.maximum !== undefined) {
    return `must be an integer from ${schema.minimum} to ${schema.maximum}`;
  }
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

/**
 * A file relative to the system file, or a package's export as the project resolves it (for
 * example `@flotilla/gateway/main`, the installed gateway).
 */
function resolveEntry(file: string, entry: string): string | undefined {
  const path = isAbsolute(entry) ? entry : resolve(dirname(file), entry);
  if (existsSync(path)) return path;
  if (entry.startsWith('.') || isAbsolute(entry)) return undefined;
  try {
    return createRequire(file).resolve(entry);
  } catch {
    return undefined;
  }
}

/**
 * Reads and validates a system file (JSON). The first problem is reported as one line naming the
 * file and the field; entries are resolved against the file's directory.
 */
export function loadSystemConfig(file: string): ProcessSpec[] {
  const fail = (detail: string) => new UsageError(`${file}: ${detail}`);
  if (!existsSync(file)) throw fail('no such file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw fail(`not valid JSON (${(error as Error).message})`);
  }
  const first = Value.Errors(SystemConfig, parsed).First();
  if (first) {
    const field = fieldName(first.path) || '(top level)';
    throw fail(`${field}: ${describe(first)}`);
  }
  const config = parsed as SystemConfig;
  const seen = new Set<string>();
  return config.processes.map((entry, index) => {
    if (seen.has(entry.name)) throw fail(`processes[${index}].name: "${entry.name}" is used twice`);
    seen.add(entry.name);
    return { name: entry.name, ...howToRun(file, entry, (detail) => fail(`processes[${index}]${detail}`)) };
  });
}

/** A directory relative to the system file, which must exist. */
function directory(file: string, path: string, field: string, fail: (detail: string) => Error): string {
  const dir = resolve(dirname(file), path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw fail(`.${field}: no such directory "${path}"`);
  return dir;
}

/** The entry's fields, resolved against the system file; `fail` takes the field's own part. */
function howToRun(
  file: string,
  entry: ProcessEntry,
  fail: (detail: string) => Error,
): Omit<ProcessSpec, 'name'> {
  if ((entry.entry === undefined) === (entry.command === undefined)) {
    throw fail(
      ': give either "entry" (a Node file or package export) or "command" (a program and its arguments)',
    );
  }
  const cwd = entry.cwd ? directory(file, entry.cwd, 'cwd', fail) : dirname(file);
  const common = {
    role: entry.role ?? 'service',
    instances: entry.instances ?? 1,
    ...(entry.env ? { environment: entry.env } : {}),
    ...(entry.urls ? { urls: entry.urls } : {}),
    ...(entry.readyUrl ? { readyUrl: entry.readyUrl } : {}),
    ...(entry.build ? { build: entry.build } : {}),
    ...(entry.requires ? { requires: entry.requires } : {}),
  } as const;
  const watch = entry.watch?.map((path, index) => directory(file, path, `watch[${index}]`, fail));
  if (entry.command) return { ...common, command: entry.command, cwd, watch: watch ?? [cwd] };
  const path = resolveEntry(file, entry.entry as string);
  if (!path) throw fail(`.entry: no such file or package export "${entry.entry}"`);
  return {
    ...common,
    entry: path,
    ...(entry.cwd || entry.build ? { cwd } : {}),
    watch: watch ?? entrySourceDirectories(path, dirname(file)),
  };
}

/** Appends a process to a system file, keeping the rest of it as it is. */
export function addProcess(file: string, entry: { readonly name: string; readonly entry: string }): void {
  const config = JSON.parse(readFileSync(file, 'utf8')) as SystemConfig;
  config.processes.push(entry);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}
