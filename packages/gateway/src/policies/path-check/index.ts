import { FlotillaError } from '@flotilla/kit/errors';
import type { RequestContext } from '../../request-context.js';
import type { Guard } from '../policy.js';

export type PathCheck =
  | { readonly ok: true; readonly path: string; readonly query: string }
  | { readonly ok: false; readonly reason: string };

// Anything that a server behind the gateway could read as another path than the one we matched:
// backslashes, control characters (NUL included), and percent-encodings that are not plain data.
const SUSPICIOUS = /\\|\/\/|%(?:2f|5c|00|2e)/i;
const DOT_SEGMENT = /\/\.\.?(?:[/;]|$)/;

/**
 * Checks a request target before routing. Rather than normalising (which would give a request a
 * second meaning the upstream might resolve differently), anything that could escape a route
 * prefix is rejected: absolute-form and asterisk-form targets, `.`/`..` segments (plain or
 * percent-encoded), encoded slashes and backslashes, NUL and other control bytes, `//`, and
 * malformed percent-encodings. The path is forwarded exactly as received.
 */
export function checkPath(target: string): PathCheck {
  if (target.charCodeAt(0) !== 47) return { ok: false, reason: 'request target must be an origin-form path' };
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt);
  if (SUSPICIOUS.test(path))
    return { ok: false, reason: 'path contains an encoded separator, dot or control byte' };
  if (DOT_SEGMENT.test(path)) return { ok: false, reason: 'path contains a dot segment' };
  if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      return { ok: false, reason: 'path has a malformed percent-encoding' };
    }
  }
  if (query.includes('#') || hasControlByte(query, 0x1f)) {
    return { ok: false, reason: 'query contains a control byte or fragment' };
  }
  return { ok: true, path, query };
}

/** True when `text` has a character at or below `highest`, or DEL. */
function hasControlByte(text: string, highest: number): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= highest || code === 0x7f) return true;
  }
  return false;
}

/**
 * Refuses with `400 BAD_REQUEST` a request target that `checkPath` rejects, before anything else
 * reads the path; a target that passes sets the context's path and query.
 */
export function pathCheck(): Guard<RequestContext> {
  return (context) => {
    const checked = checkPath(context.url);
    if (checked.ok) {
      context.path = checked.path;
      context.query = checked.query;
      return undefined;
    }
    context.path = '';
    return new FlotillaError('BAD_REQUEST', { detail: checked.reason });
  };
}
