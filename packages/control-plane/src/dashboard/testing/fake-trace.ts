/**
 * A trace of `POST /api/orders` as the trace store returns it: gateway → orders → users, the outbox
 * write, the relay's publish and the notifications consumer, in one trace.
 */
export function fakeTrace(traceId: string, startMs: number) {
  const span = (
    spanId: string,
    parentSpanId: string | undefined,
    serviceName: string,
    name: string,
    kind: string,
    offsetMs: number,
    durationMs: number,
    extra: Record<string, unknown> = {},
  ) => ({
    traceId,
    spanId,
    parentSpanId,
    serviceName,
    name,
    kind,
    startTime: new Date(startMs + offsetMs).toISOString(),
    durationMs,
    status: { code: 'OK' },
    attributes: { 'service.name': serviceName },
    events: [],
    ...extra,
  });
  return {
    traceId,
    spans: [
      span('a1', undefined, 'gateway', 'POST /api/orders', 'server', 0, 48),
      span('b1', 'a1', 'orders', 'POST /orders', 'server', 3, 40, {
        attributes: { 'http.route': '/orders', 'http.response.status_code': 201 },
      }),
      span('c1', 'b1', 'orders', 'GET users', 'client', 5, 12, {
        events: [{ name: 'retry', time: new Date(startMs + 9).toISOString(), attributes: { attempt: 2 } }],
      }),
      span('d1', 'c1', 'users', 'GET /users/:id', 'server', 11, 5),
      span('e1', 'b1', 'orders', 'outbox write order.placed', 'internal', 20, 3),
      span('f1', 'b1', 'orders', 'publish order.placed', 'producer', 31, 4),
      span('g1', 'f1', 'notifications', 'consume order.placed', 'consumer', 37, 10),
      span('h1', 'g1', 'notifications', 'INSERT notifications', 'client', 39, 4, {
        status: { code: 'ERROR', message: 'slow disk' },
      }),
    ],
  };
}
