import { v7 } from 'uuid';

/** A UUIDv7: opaque to clients, and time-ordered so keyset pages and indexes stay compact. */
export function newId(): string {
  return v7();
}
