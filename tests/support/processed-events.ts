/** Deliveries a subscription of a service has processed, from its Prometheus metrics. */
export async function processedEvents(serviceUrl: string, subscription: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const line = new RegExp(
    `^flotilla_events_consumed_total\\{subscription="${subscription}",outcome="processed"[^}]*\\} (\\d+)`,
    'm',
  ).exec(text);
  return Number(line?.[1] ?? 0);
}
