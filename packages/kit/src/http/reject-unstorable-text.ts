import { FlotillaError } from '../errors/index.js';
import type { HttpServer } from './create-http-server.js';

// A UTF-16 surrogate without its pair (with the u flag a pair is one code point).
const LONE_SURROGATE = /\p{Surrogate}/u;
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/**
 * Refuses a request whose path parameters, query or JSON body hold, anywhere (a value or a key),
 * U+0000 or a lone surrogate (valid in JSON, not Unicode) with a 400 naming the field. PostgreSQL
 * text cannot store the first, and the second breaks URL encoding and UTF-8 round trips, so such
 * a value would otherwise fail deep inside as a 500. Runs after schema validation, so a body is
 * already bounded in depth by its schema; the walk is iterative all the same.
 */
export function rejectUnstorableText(app: HttpServer): void {
  app.addHook('preHandler', async (request) => {
    const field =
      unstorableField('params', request.params) ??
      unstorableField('querystring', request.query) ??
      unstorableField('body', request.body);
    if (field === undefined) return;
    throw new FlotillaError('VALIDATION_FAILED', {
      detail: '1 invalid field',
      errors: [{ field, message: 'must be well-formed Unicode text without NUL (U+0000)' }],
    });
  });
}

/** The JSON-pointer-like path of the first string (or key) that cannot be stored, or undefined. */
function unstorableField(location: string, root: unknown): string | undefined {
  const stack: [string, unknown][] = [[`/${location}`, root]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [path, value] = entry;
    if (typeof value === 'string') {
      if (unstorable(value)) return path;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (unstorable(key)) return path;
        stack.push([`${path}/${key}`, item]);
      }
    }
  }
  return undefined;
}
