/** Where an OtlpLogShipper sends, what it says of its process, and its bounds. */
export interface OtlpLogShipperOptions {
  /** The full logs URL, e.g. http://127.0.0.1:8500/v1/logs. */
  readonly endpoint: string;
  /** `service.name` of the records' resource. */
  readonly serviceName: string;
  /** `service.version` of the resource. */
  readonly serviceVersion?: string;
  /** `service.instance.id` of the resource. */
  readonly instanceId?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** Sent with every export (OTEL_EXPORTER_OTLP_HEADERS). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Lines held while waiting to be sent; past it new lines are dropped and counted. Default 4096. */
  readonly maxQueue?: number;
  /** Lines per export. Default 512. */
  readonly maxBatch?: number;
  /** Time between exports. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Longest wait for one export. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** How exports are posted; `globalThis.fetch` by default. */
  readonly fetch?: typeof fetch;
}

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number };

// pino's numeric levels → the first OTLP severity number of each level's range.
const SEVERITY: Readonly<Record<number, readonly [number, string]>> = {
  10: [1, 'TRACE'],
  20: [5, 'DEBUG'],
  30: [9, 'INFO'],
  40: [13, 'WARN'],
  50: [17, 'ERROR'],
  60: [21, 'FATAL'],
};
// Fields that become the record's own (time, severity, body, trace) or repeat the resource.
const OWN_FIELDS = new Set([
  'level',
  'time',
  'msg',
  'trace_id',
  'span_id',
  'pid',
  'hostname',
  'name',
  'service',
]);
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * A pino destination that ships JSON log lines to an OTLP/HTTP logs receiver (OTLP/JSON). Writing
 * a line only queues the string: lines are parsed and sent in batches off the logging call, at
 * most one export at a time. A full queue or a failed export drops lines and counts them rather
 * than slowing the service down or growing without bound: the lines are also on stdout.
 */
export class OtlpLogShipper {
  readonly #options: OtlpLogShipperOptions;
  readonly #resource: { attributes: { key: string; value: AnyValue }[] };
  readonly #maxQueue: number;
  readonly #maxBatch: number;
  readonly #timer: NodeJS.Timeout;
  #queue: string[] = [];
  #sending: Promise<void> | undefined;
  #dropped = 0;
  #sent = 0;
  #closed = false;
  #scheduled = false;

  constructor(options: OtlpLogShipperOptions) {
    this.#options = options;
    this.#maxQueue = options.maxQueue ?? 4096;
    this.#maxBatch = options.maxBatch ?? 512;
    const attributes: Record<string, string> = {
      ...options.resourceAttributes,
      'service.name': options.serviceName,
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
      ...(options.instanceId ? { 'service.instance.id': options.instanceId } : {}),
    };
    this.#resource = {
      attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
    };
    this.#timer = setInterval(() => void this.#send(), options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Lines dropped so far: queue full, export failed, or written after close. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Lines the receiver accepted so far. */
  get sent(): number {
    return this.#sent;
  }

  /** pino's destination contract: one serialized line (with its newline) per call. */
  write(line: string): boolean {
    if (this.#closed || this.#queue.length >= this.#maxQueue) {
      this.#dropped += 1;
      return true;
    }
    this.#queue.push(line);
    if (this.#queue.length >= this.#maxBatch && !this.#sending && !this.#scheduled) {
      // A full batch goes at once rather than at the next tick; one wake-up however many lines follow.
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.#send();
      });
    }
    return true;
  }

  /** Sends what is queued now; resolves when those exports are done. */
  async flush(): Promise<void> {
    while (this.#sending) await this.#sending;
    while (this.#queue.length > 0) await this.#send();
  }

  /** Sends what is left and stops; later lines are dropped. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
    this.#closed = true;
  }

  #send(): Promise<void> {
    if (this.#sending || this.#queue.length === 0) return this.#sending ?? Promise.resolve();
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#sending = this.#export(batch).finally(() => {
      this.#sending = undefined;
    });
    return this.#sending;
  }

  async #export(lines: readonly string[]): Promise<void> {
    const logRecords = lines.flatMap((line) => recordOf(line) ?? []);
    const body = JSON.stringify({
      resourceLogs: [
        { resource: this.#resource, scopeLogs: [{ scope: { name: '@flotilla/kit' }, logRecords }] },
      ],
    });
    try {
      const response = await (this.#options.fetch ?? globalThis.fetch)(this.#options.endpoint, {
        method: 'POST',
        headers: { ...this.#options.headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.#sent += lines.length;
    } catch {
      this.#dropped += lines.length;
    }
  }
}

/** One pino JSON line as an OTLP LogRecord; a line that is not JSON is sent as its text. */
function recordOf(line: string): object | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    const text = line.trim();
    return text === '' ? undefined : { timeUnixNano: `${Date.now()}000000`, body: { stringValue: text } };
  }
  const [severityNumber, severityText] = SEVERITY[Number(fields.level)] ?? [9, 'INFO'];
  const time = typeof fields.time === 'number' ? fields.time : Date.now();
  const attributes = Object.entries(fields)
    .filter(([key, value]) => !OWN_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => ({ key, value: anyValueOf(value) }));
  return {
    timeUnixNano: `${Math.trunc(time)}000000`,
    severityNumber,
    severityText,
    body: { stringValue: typeof fields.msg === 'string' ? fields.msg : '' },
    attributes,
    ...(typeof fields.trace_id === 'string' && TRACE_ID.test(fields.trace_id)
      ? { traceId: fields.trace_id }
      : {}),
    ...(typeof fields.span_id === 'string' && SPAN_ID.test(fields.span_id) ? { spanId: fields.span_id } : {}),
  };
}

function anyValueOf(value: unknown): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  // Nested objects (an error, a request) stay readable as one JSON string.
  return { stringValue: JSON.stringify(value) };
}
