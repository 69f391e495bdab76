import type { Logger } from '@flotilla/kit/telemetry';
import type { LogStore, LogView } from '../logs/index.js';
import { readSnapshotFile, SnapshotWriter } from '../registry/snapshot-file.js';
import type { SpanRecord, SpanView } from '../traces/span-record.js';
import type { TraceStore } from '../traces/trace-store.js';

/** Traces and log lines as saved across a restart: views only, times as decimal strings. */
export interface TelemetrySnapshot {
  readonly version: 1;
  readonly spans: readonly { readonly view: SpanView; readonly endTimeUnixNano: string }[];
  readonly logs: readonly LogView[];
}

export interface TelemetryPersistenceOptions {
  readonly path: string;
  readonly traces: TraceStore;
  readonly logs: LogStore;
  readonly logger: Logger;
  /** How often the stores are written when they changed. Default 10 s. */
  readonly intervalMs?: number;
  /** Spans saved at most (whole traces, newest first), which bounds the file. Default 10 000. */
  readonly maxSpans?: number;
}

export interface TelemetryPersistence {
  /** Writes the stores a last time and stops the periodic writes. */
  stop(): Promise<void>;
}

/**
 * Fills the stores from the last snapshot, then saves them periodically (only when they changed)
 * and on stop — never per received span or line, so receiving stays as cheap as without it.
 */
export async function persistTelemetry(options: TelemetryPersistenceOptions): Promise<TelemetryPersistence> {
  const { path, traces, logs, logger } = options;
  const snapshot = await readSnapshotFile(path, logger, {
    name: 'telemetry snapshot (version 1)',
    is: isSnapshot,
  });
  if (snapshot) {
    traces.add(snapshot.spans.map(recordOf));
    logs.restore(snapshot.logs);
    logger.info(
      { spans: snapshot.spans.length, logs: snapshot.logs.length, path },
      'traces and logs restored',
    );
  }
  const writer = new SnapshotWriter<TelemetrySnapshot>(path, logger);
  const maxSpans = options.maxSpans ?? 10_000;
  let written = { traces: traces.changes, logs: logs.lastSeq };
  const save = () => {
    if (traces.changes === written.traces && logs.lastSeq === written.logs) return;
    written = { traces: traces.changes, logs: logs.lastSeq };
    writer.request(() => ({
      version: 1,
      spans: traces
        .newest(maxSpans)
        .map((record) => ({ view: record.view, endTimeUnixNano: record.endNs.toString() })),
      logs: logs.all(),
    }));
  };
  const timer = setInterval(save, options.intervalMs ?? 10_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      save();
      await writer.flush();
    },
  };
}

function recordOf({ view, endTimeUnixNano }: TelemetrySnapshot['spans'][number]): SpanRecord {
  return { view, startNs: BigInt(view.startTimeUnixNano), endNs: BigInt(endTimeUnixNano) };
}

function isSnapshot(value: unknown): value is TelemetrySnapshot {
  const snapshot = value as TelemetrySnapshot;
  return (
    typeof snapshot === 'object' &&
    snapshot !== null &&
    snapshot.version === 1 &&
    Array.isArray(snapshot.logs) &&
    snapshot.logs.every((line) => Number.isInteger(line?.seq) && typeof line.service === 'string') &&
    Array.isArray(snapshot.spans) &&
    snapshot.spans.every(
      (span) =>
        typeof span?.view?.traceId === 'string' &&
        /^\d+$/.test(span.view.startTimeUnixNano) &&
        /^\d+$/.test(span.endTimeUnixNano),
    )
  );
}
