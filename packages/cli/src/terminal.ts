import type { Io } from './io.js';

/**
 * Log lines plus, on a TTY, one status line kept at the bottom: each log line clears it, prints,
 * and redraws it. Off a TTY only the log lines are written (status changes are logged by callers).
 */
export class Terminal {
  #status = '';
  readonly isTTY: boolean;

  constructor(private readonly stdout: Io['stdout']) {
    this.isTTY = stdout.isTTY === true;
  }

  log(line: string): void {
    if (!this.isTTY) {
      this.stdout.write(`${line}\n`);
      return;
    }
    this.stdout.write(`\r\x1b[2K${line}\n${this.#fit(this.#status)}`);
  }

  status(line: string): void {
    if (!this.isTTY || line === this.#status) return;
    this.#status = line;
    this.stdout.write(`\r\x1b[2K${this.#fit(line)}`);
  }

  /** Leaves the status line's last state on screen and moves below it. */
  close(): void {
    if (this.isTTY && this.#status) this.stdout.write('\n');
    this.#status = '';
  }

  #fit(line: string): string {
    const width = this.stdout.columns ?? 120;
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  }
}
