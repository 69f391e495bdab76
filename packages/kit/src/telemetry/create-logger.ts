import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** How a logger writes. */
export interface CreateLoggerOptions {
  /** The service's name, on every line. */
  readonly name: string;
  /** The lowest level written (`LOG_LEVEL`), `info` by default. */
  readonly level?: string;
  /** Human-readable output (for a terminal); JSON lines otherwise. */
  readonly pretty?: boolean;
  /** Values that must never reach a log line, whatever field they end up in. */
  readonly secrets?: readonly string[];
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
  /** Adds fields (e.g. trace_id, span_id) to every line. */
  readonly mixin?: () => Record<string, unknown>;
  /** Also gets every JSON line, secrets already masked (an OtlpLogShipper); must not block. */
  readonly ship?: { write(line: string): unknown };
}

/**
 * Secrets are masked on the serialized line rather than by field paths, so a secret logged by
 * accident (inside an error message, a URL, a nested object) is masked too.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 4);
  const pinoOptions: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    base: { service: options.name },
    ...(options.mixin ? { mixin: options.mixin } : {}),
    ...(secrets.length > 0
      ? {
          hooks: {
            streamWrite: (line: string) => secrets.reduce((out, s) => out.replaceAll(s, '[redacted]'), line),
          },
        }
      : {}),
  };
  if (options.ship) {
    // Pretty output then formats on this thread: a worker transport cannot share the ship sink.
    const display = options.destination ?? (options.pretty ? prettyStream() : pino.destination(1));
    const ship = options.ship;
    // A plain tee rather than pino.multistream, which re-checks levels per stream on every line.
    const tee = {
      write(line: string): boolean {
        display.write(line);
        ship.write(line);
        return true;
      },
    };
    return pino(pinoOptions, tee);
  }
  if (options.pretty && !options.destination) {
    return pino({ ...pinoOptions, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** pino-pretty as an in-thread stream, loaded only when a terminal wants it. */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
  return pretty({ colorize: true });
}
