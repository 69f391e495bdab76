import { basename } from 'node:path';
import { watch } from 'chokidar';
import { isInside } from './is-inside.js';
import type { ProcessSpec } from './system.js';

/** Directories that hold what tools write, not sources: changes in them restart nothing. */
const NOT_SOURCES = new Set(['node_modules', 'dist', 'target', '__pycache__', 'coverage', 'data']);

/** Dependencies, build output, data, dot-directories (.git, .flotilla, .venv) and editors' scratch files. */
function ignored(path: string): boolean {
  const name = basename(path);
  return NOT_SOURCES.has(name) || name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp');
}

export interface SourceWatcher {
  /** Resolves once the directories are being watched. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Watches each process's source directories (chokidar: inotify on Linux, and unlike a recursive
 * `fs.watch` it never descends into the ignored directories, so a node_modules costs nothing) and
 * calls `changed` with the process's name once its files have been quiet for `debounceMs` — a
 * save that writes several files, or an editor's write-and-rename, is one change.
 */
export function watchSources(
  processes: readonly ProcessSpec[],
  changed: (name: string) => void,
  debounceMs = 200,
): SourceWatcher {
  const directories = [...new Set(processes.flatMap((spec) => spec.watch ?? []))];
  const timers = new Map<string, NodeJS.Timeout>();
  const watcher = watch(directories, { ignored, ignoreInitial: true });
  watcher.on('all', (_event, path) => {
    for (const spec of processes) {
      if (!spec.watch?.some((dir) => isInside(path, dir))) continue;
      clearTimeout(timers.get(spec.name));
      timers.set(
        spec.name,
        setTimeout(() => {
          timers.delete(spec.name);
          changed(spec.name);
        }, debounceMs),
      );
    }
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', resolve));
  return {
    ready,
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      await watcher.close();
    },
  };
}
