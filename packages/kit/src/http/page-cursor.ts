import { FlotillaError } from '../errors/index.js';

// Cursors are opaque to clients, so a service can change its paging key without breaking them.
/** An opaque page cursor for `position` (e.g. the last id of a page), for the client to send back. */
export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

/** The position a cursor from `encodeCursor` names; a 400 problem for anything else. */
export function decodeCursor(cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const position = (decoded as { p?: unknown }).p;
    if (typeof position === 'string' && position.length > 0) return position;
  } catch {
    // fall through to the client error below
  }
  throw new FlotillaError('VALIDATION_FAILED', {
    detail: 'cursor is not one this service issued',
    errors: [{ field: '/querystring/cursor', message: 'is not a valid cursor' }],
  });
}
