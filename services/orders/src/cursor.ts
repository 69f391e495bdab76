import { FlotillaError } from '@flotilla/kit';

// Cursors are opaque to clients so the paging key can change without breaking them.
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ before: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const before = (decoded as { before?: unknown }).before;
    if (typeof before === 'string' && before.length > 0) return before;
  } catch {
    // fall through to the client error below
  }
  throw new FlotillaError('VALIDATION_FAILED', {
    detail: 'cursor is not one this service issued',
    errors: [{ field: '/querystring/cursor', message: 'is not a valid cursor' }],
  });
}
