import { randomUUID } from 'node:crypto';
import { until } from '../../support/until.js';

/**
 * One order through the gateway at 2.50 an item, tried again under the same idempotency key while
 * orders answers 503 (until its registry watcher has seen users); resolves with the order's id.
 */
export async function placeOrder(
  gatewayUrl: string,
  userId: string,
  items: readonly { sku: string; quantity: number }[],
  headers: Record<string, string> = {},
): Promise<string> {
  const key = { 'idempotency-key': randomUUID(), ...headers };
  const order = await until('an order placed', async () => {
    const response = await fetch(`${gatewayUrl}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...key },
      body: JSON.stringify({ userId, items: items.map((item) => ({ ...item, unitPrice: 250 })) }),
      signal: AbortSignal.timeout(15_000), // hang guard
    });
    const body = (await response.json()) as { id: string };
    return response.status === 201 && body;
  });
  return order.id;
}
