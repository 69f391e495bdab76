const UNIQUE_VIOLATION = '23505';

/** True for a unique-constraint violation from either engine (both expose the SQLSTATE as `code`). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION;
}
