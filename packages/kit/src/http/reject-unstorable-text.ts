import { FlotillaError } from '../errors/index.js';
import type { HttpServer } from './create-http-server.js';

// A lone UTF-16 surrogate makes a string not well-formed; the native check is far cheaper than a
// \p{Surrogate} regular expression on every string of a large body.
const unstorable = (text: string) => text.includes('\u0000') || !text.isWellFormed();

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

/** An object or array still to be walked, with how to name it should one of its strings be refused. */
interface Container {
  readonly value: object;
  readonly key: string;
  readonly parent: Container | undefined;
}

/**
 * The JSON-pointer-like path of the first string (or key) that cannot be stored, or undefined.
 * Paths are built only for the field refused, and byte arrays (decoded protobuf) are not walked:
 * building a path per value made this walk most of the control plane's CPU when ingesting OTLP.
 */
function unstorableField(location: string, root: unknown): string | undefined {
  if (typeof root === 'string') return unstorable(root) ? `/${location}` : undefined;
  if (typeof root !== 'object' || root === null) return undefined;
  const stack: Container[] = [{ value: root, key: location, parent: undefined }];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    if (ArrayBuffer.isView(container.value)) continue;
    for (const [key, item] of Object.entries(container.value)) {
      if (unstorable(key)) return pathOf(container);
      if (typeof item === 'string') {
        if (unstorable(item)) return `${pathOf(container)}/${key}`;
      } else if (typeof item === 'object' && item !== null) {
        stack.push({ value: item, key, parent: container });
      }
    }
  }
  return undefined;
}

function pathOf(container: Container): string {
  let path = '';
  for (let at: Container | undefined = container; at !== undefined; at = at.parent)
    path = `/${at.key}${path}`;
  return path;
}
