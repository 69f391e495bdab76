import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  readonly name: string;
  readonly level?: string;
  /** Human-readable output (for a terminal); JSON lines otherwise. */
  readonly pretty?: boolean;
  /** Values that must never reach a log line, whatever field they end up in. */
  readonly secrets?: readonly string[];
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
  /** Adds fields (e.g. trace_id, span_id) to every line. */
  readonly mixin?: () => Record<string, unknown>;
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
  if (options.pretty && !options.destination) {
    return pino({ ...pinoOptions, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
