import {
  anyValueOf,
  arrayAt,
  attributesOf,
  field,
  idOf,
  isEmptyId,
  isoOf,
  nanosOf,
} from '../traces/otlp-values.js';
import { LOG_LEVELS, type LogLevel, type NewLog } from './log-record.js';

const TEXT_LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
};

/**
 * Turns an OTLP/JSON ExportLogsServiceRequest into log lines. The service is the resource's
 * `service.name`; a record without a time takes its observed time, then the time it arrived.
 */
export function logsFromOtlp(request: unknown, receivedAt = Date.now()): NewLog[] {
  const lines: NewLog[] = [];
  for (const resourceLogs of arrayAt(request, 'resourceLogs')) {
    const resource = attributesOf(field(field(resourceLogs, 'resource'), 'attributes'));
    const service =
      typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    const instance = resource['service.instance.id'];
    for (const scopeLogs of arrayAt(resourceLogs, 'scopeLogs')) {
      for (const record of arrayAt(scopeLogs, 'logRecords')) {
        const nanos =
          nanosOf(field(record, 'timeUnixNano'), 'timeUnixNano') ||
          nanosOf(field(record, 'observedTimeUnixNano'), 'observedTimeUnixNano');
        const body = anyValueOf(field(record, 'body'));
        const traceId = field(record, 'traceId');
        const spanId = field(record, 'spanId');
        lines.push({
          time: nanos > 0n ? isoOf(nanos) : new Date(receivedAt).toISOString(),
          service,
          instance: typeof instance === 'string' ? instance : null,
          level: levelOf(field(record, 'severityNumber'), field(record, 'severityText')),
          message: typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body),
          traceId: isEmptyId(traceId) ? null : idOf(traceId, 16, 'traceId'),
          spanId: isEmptyId(spanId) ? null : idOf(spanId, 8, 'spanId'),
          attributes: attributesOf(field(record, 'attributes')),
        });
      }
    }
  }
  return lines;
}

/** OTLP severity numbers come in fours per level: 1–4 trace … 21–24 fatal. */
function levelOf(number: unknown, text: unknown): LogLevel {
  if (typeof number === 'number' && number >= 1 && number <= 24) {
    return LOG_LEVELS[Math.floor((number - 1) / 4)] ?? 'info';
  }
  return (typeof text === 'string' && TEXT_LEVELS[text.toLowerCase()]) || 'info';
}
