import type { Logger } from '../telemetry/index.js';

/** Shutdown order from DESIGN.md: each stage finishes before the next starts. */
export const SHUTDOWN_STAGES = ['deregister', 'consumers', 'http', 'relay', 'telemetry', 'pools'] as const;
export type ShutdownStage = (typeof SHUTDOWN_STAGES)[number];

/** Collects shutdown tasks by stage and runs them once, in order; a failing task does not stop the rest. */
export class Lifecycle {
  readonly #tasks = new Map<ShutdownStage, (() => Promise<void>)[]>();
  #stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  onShutdown(stage: ShutdownStage, task: () => Promise<void>): void {
    const tasks = this.#tasks.get(stage) ?? [];
    // Later registrations stop first within a stage, like a stack of acquired resources.
    tasks.unshift(task);
    this.#tasks.set(stage, tasks);
  }

  shutdown(): Promise<void> {
    this.#stopping ??= this.#run();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    for (const stage of SHUTDOWN_STAGES) {
      for (const task of this.#tasks.get(stage) ?? []) {
        try {
          await task();
        } catch (error) {
          this.logger.error({ err: error, stage }, 'shutdown task failed');
        }
      }
    }
  }
}
