import { createHash } from 'node:crypto';
import type { CreateOrder } from '../contract/index.js';

/** A fingerprint of what an order request asks for, independent of JSON key order and spacing. */
export function requestHash(input: CreateOrder): string {
  const canonical = JSON.stringify([
    input.userId,
    input.items.map((item) => [item.sku, item.quantity, item.unitPrice]),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}
