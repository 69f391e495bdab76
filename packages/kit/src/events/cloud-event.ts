/**
 * A CloudEvents 1.0 event in structured JSON mode, with the distributed tracing extension
 * (`traceparent`). `subject` carries the ordering key.
 */
export interface CloudEvent<T = unknown> {
  /** The CloudEvents version. */
  readonly specversion: '1.0';
  /** Unique per event; a consumer's inbox skips an id it has handled. */
  readonly id: string;
  /** `/<publishing service>`. */
  readonly source: string;
  /** The event type, e.g. `order.placed`. */
  readonly type: string;
  /** The ordering key: events of one key are handled in order. */
  readonly subject?: string;
  /** When it was published (ISO 8601). */
  readonly time: string;
  /** Always JSON. */
  readonly datacontenttype: 'application/json';
  /** The payload, of the definition's schema. */
  readonly data: T;
  /** The W3C trace context of the work that published it. */
  readonly traceparent?: string;
}

/** The media type of a structured-mode CloudEvent. */
export const CLOUD_EVENT_CONTENT_TYPE = 'application/cloudevents+json';

const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** True for a W3C `traceparent` that names a real trace (not all zeros, right shape). */
export function isValidTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}

/**
 * Checks the attributes CloudEvents 1.0 requires (and the ones this kit always writes); returns
 * the event or a message saying what is wrong. Never throws on any input.
 */
export function parseCloudEvent(raw: unknown): { event: CloudEvent } | { error: string } {
  let value = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    try {
      value = JSON.parse(raw.toString());
    } catch {
      return { error: 'not JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'not a JSON object' };
  }
  const event = value as Record<string, unknown>;
  if (event.specversion !== '1.0') return { error: 'specversion must be "1.0"' };
  for (const attribute of ['id', 'source', 'type', 'time'] as const) {
    if (typeof event[attribute] !== 'string' || event[attribute] === '') {
      return { error: `${attribute} must be a non-empty string` };
    }
  }
  if (event.subject !== undefined && typeof event.subject !== 'string') {
    return { error: 'subject must be a string' };
  }
  if (event.datacontenttype !== undefined && event.datacontenttype !== 'application/json') {
    return { error: 'datacontenttype must be application/json' };
  }
  if (!('data' in event)) return { error: 'data is missing' };
  // A malformed traceparent starts a new trace downstream; it does not make the event invalid.
  const { traceparent, ...rest } = event;
  const parsed = (isValidTraceparent(traceparent) ? event : rest) as unknown as CloudEvent;
  return { event: parsed };
}
