import { LOG_LEVELS, type LogLevel, type LogView, type NewLog } from './log-record.js';

export interface LogStoreOptions {
  /** Lines kept per service; its oldest go first, so a chatty service cannot push out the others. */
  readonly maxPerService?: number;
  /** Lines kept over all services; past it the service holding the most loses its oldest. */
  readonly maxTotal?: number;
}

export interface LogQuery {
  readonly service?: string;
  /** This level and above. */
  readonly level?: LogLevel;
  /** Case-insensitive, in the message or any field. */
  readonly text?: string;
  readonly traceId?: string;
  /** Only lines that arrived after this `seq` (live tail). */
  readonly after?: number;
  readonly limit?: number;
}

/**
 * Recent log lines of every process in memory, a bounded ring per service. Lines are numbered on
 * arrival, so the page asks for what is new since the last line it has.
 */
export class LogStore {
  readonly #lines = new Map<string, LogView[]>();
  readonly #maxPerService: number;
  readonly #maxTotal: number;
  #total = 0;
  #seq = 0;

  constructor(options: LogStoreOptions = {}) {
    this.#maxPerService = options.maxPerService ?? 2000;
    this.#maxTotal = options.maxTotal ?? 20_000;
  }

  get size(): number {
    return this.#total;
  }

  /** The number of the latest line, 0 when none came yet; changes whenever a line is added. */
  get lastSeq(): number {
    return this.#seq;
  }

  services(): string[] {
    return [...this.#lines.keys()].sort();
  }

  add(lines: readonly NewLog[]): void {
    for (const line of lines) this.#keep({ ...line, seq: ++this.#seq });
  }

  /** Matching lines in time order: the latest `limit` of them (default 500). */
  query(query: LogQuery = {}): LogView[] {
    const minimum = query.level ? LOG_LEVELS.indexOf(query.level) : 0;
    const text = query.text?.toLowerCase();
    const after = query.after ?? 0;
    const sources = query.service ? [this.#lines.get(query.service) ?? []] : [...this.#lines.values()];
    const matches: LogView[] = [];
    for (const lines of sources) {
      for (const line of lines) {
        if (line.seq <= after) continue;
        if (LOG_LEVELS.indexOf(line.level) < minimum) continue;
        if (query.traceId && line.traceId !== query.traceId) continue;
        if (text && !matchesText(line, text)) continue;
        matches.push(line);
      }
    }
    // Services ship in their own batches: time order reads right across them, arrival breaks ties.
    matches.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
    return matches.slice(-(query.limit ?? 500));
  }

  /** Every line in arrival order, for the snapshot. */
  all(): LogView[] {
    return [...this.#lines.values()].flat().sort((a, b) => a.seq - b.seq);
  }

  /** Lines of a snapshot, numbering continued after the highest restored. */
  restore(lines: readonly LogView[]): void {
    for (const line of [...lines].sort((a, b) => a.seq - b.seq)) {
      this.#seq = Math.max(this.#seq, line.seq);
      this.#keep(line);
    }
  }

  #keep(line: LogView): void {
    let lines = this.#lines.get(line.service);
    if (!lines) {
      lines = [];
      this.#lines.set(line.service, lines);
    }
    lines.push(line);
    this.#total += 1;
    if (lines.length > this.#maxPerService) {
      lines.shift();
      this.#total -= 1;
    }
    while (this.#total > this.#maxTotal) this.#dropFromLargest();
  }

  #dropFromLargest(): void {
    let largest: LogView[] | undefined;
    for (const lines of this.#lines.values()) if (!largest || lines.length > largest.length) largest = lines;
    if (!largest?.length) return;
    largest.shift();
    this.#total -= 1;
  }
}

function matchesText(line: LogView, text: string): boolean {
  return (
    line.message.toLowerCase().includes(text) || JSON.stringify(line.attributes).toLowerCase().includes(text)
  );
}
