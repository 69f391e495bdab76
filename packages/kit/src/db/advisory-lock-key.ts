import { createHash } from 'node:crypto';

/**
 * The first 8 bytes of SHA-256(name) as a signed big-endian int64: stable across processes,
 * versions and languages, so every instance (in any language) contends for the same lock.
 */
export function advisoryLockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}
