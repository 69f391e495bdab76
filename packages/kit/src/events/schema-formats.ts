import { FormatRegistry } from '@sinclair/typebox';

/**
 * TypeBox's compiler rejects a string with a `format` it has no checker for, and ships none; the
 * HTTP layer checks formats through Fastify's ajv. These are the formats contracts use, checked
 * the same way for event data. Registered once, only where missing.
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

export function registerSchemaFormats(): void {
  for (const [name, check] of Object.entries(formats)) {
    if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
  }
}
