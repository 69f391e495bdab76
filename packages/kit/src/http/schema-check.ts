import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * TypeBox's compiler rejects a string with a `format` it has no checker for, and ships none; the
 * HTTP layer checks formats through Fastify's ajv. These are the formats contracts use, checked
 * the same way for event data and for the answers of typed clients. Registered once, only where
 * missing.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const formats: Record<string, (value: string) => boolean> = {
  'date-time': (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  email: (value) => EMAIL.test(value),
  uuid: (value) => UUID.test(value),
  uri: (value) => URL.canParse(value),
};

// Compiling is costly and schemas are module constants: once per schema object.
const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The compiled checker of a schema, with the formats above. */
export function schemaCheck(schema: TSchema): TypeCheck<TSchema> {
  let check = checks.get(schema);
  if (!check) {
    for (const [name, test] of Object.entries(formats)) {
      if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, test);
    }
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  return check;
}

/** The first few schema violations as one line, or undefined when the value is valid. */
export function schemaErrors(check: TypeCheck<TSchema>, value: unknown): string | undefined {
  if (check.Check(value)) return undefined;
  const messages: string[] = [];
  for (const error of check.Errors(value)) {
    messages.push(`${error.path || '/'}: ${error.message}`);
    if (messages.length === 5) break;
  }
  return messages.join('; ');
}
