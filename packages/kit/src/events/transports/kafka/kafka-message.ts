import type { CloudEvent } from '../../cloud-event.js';

/** A CloudEvent as a Kafka record in the CloudEvents Kafka protocol binding, binary content mode. */
export interface KafkaEventMessage {
  /** The ordering key (`subject`): Kafka hashes it to a partition, which keeps the key's order. */
  readonly key: string | undefined;
  /** The event's data, as its `content-type` says. */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

const ATTRIBUTE = 'ce_';

/**
 * Binary mode: every attribute but `data` and `datacontenttype` in a `ce_<name>` header,
 * `datacontenttype` as `content-type`, the data alone as the value. A consumer in any language
 * reads the data with no CloudEvents library and filters on headers without parsing the value.
 */
export function toKafkaMessage(event: CloudEvent): KafkaEventMessage {
  const { data, datacontenttype, ...attributes } = event;
  const headers: Record<string, string> = { 'content-type': datacontenttype };
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) headers[`${ATTRIBUTE}${name}`] = value;
  }
  // OpenTelemetry's Kafka instrumentations read the bare header, so their spans join the trace too.
  if (event.traceparent) headers.traceparent = event.traceparent;
  return { key: event.subject, value: JSON.stringify(data), headers };
}

/**
 * The structured JSON CloudEvent the dispatcher parses, rebuilt from a binary-mode record. A record
 * without `ce_specversion` (structured mode, or no CloudEvent at all) is handed on as it is, for the
 * dispatcher to take or dead-letter.
 */
export function fromKafkaMessage(headers: ReadonlyMap<string, string>, value: string | undefined): string {
  if (!headers.has(`${ATTRIBUTE}specversion`)) return value ?? '';
  const event: Record<string, unknown> = {};
  for (const [name, header] of headers) {
    if (name.startsWith(ATTRIBUTE)) event[name.slice(ATTRIBUTE.length)] = header;
  }
  event.traceparent ??= headers.get('traceparent');
  const contentType = headers.get('content-type');
  const json = contentType === undefined || /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType);
  if (contentType !== undefined) event.datacontenttype = json ? 'application/json' : contentType;
  if (value !== undefined) {
    if (!json) event.data = value;
    else {
      try {
        event.data = JSON.parse(value);
      } catch {
        // Not the JSON it claims to be: kept (base64, as CloudEvents JSON carries bytes) for the dead letter.
        event.data_base64 = Buffer.from(value).toString('base64');
      }
    }
  }
  return JSON.stringify(event);
}
