import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@flotilla/kit/telemetry';
import type { CatalogSnapshot } from './service-catalog.js';

/**
 * Reads the registry snapshot. A missing file is a first start; an unreadable or malformed one is
 * set aside (renamed `.corrupt-<time>`) and the registry starts empty: services re-register through
 * anti-entropy, which beats refusing to start.
 */
export function loadSnapshot(path: string, logger: Logger): Promise<CatalogSnapshot | undefined> {
  return readSnapshotFile(path, logger, { name: 'registry snapshot (version 1)', is: isSnapshot });
}

/** Reads a JSON snapshot `is` accepts; missing → undefined, unreadable or malformed → set aside, undefined. */
export async function readSnapshotFile<T>(
  path: string,
  logger: Logger,
  kind: { readonly name: string; readonly is: (value: unknown) => value is T },
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    logger.error({ err: error, path }, `cannot read the ${kind.name}; starting empty`);
    return undefined;
  }
  try {
    const snapshot: unknown = JSON.parse(text);
    if (!kind.is(snapshot)) throw new Error(`not a ${kind.name}`);
    return snapshot;
  } catch (error) {
    const aside = `${path}.corrupt-${Date.now()}`;
    await rename(path, aside).catch(() => undefined);
    logger.error({ err: error, path, movedTo: aside }, `${kind.name} is malformed; starting empty`);
    return undefined;
  }
}

function isSnapshot(value: unknown): value is CatalogSnapshot {
  const snapshot = value as CatalogSnapshot;
  return (
    typeof snapshot === 'object' &&
    snapshot !== null &&
    snapshot.version === 1 &&
    Number.isInteger(snapshot.index) &&
    Array.isArray(snapshot.services) &&
    snapshot.services.every(
      (service) =>
        typeof service?.id === 'string' &&
        typeof service.name === 'string' &&
        Number.isInteger(service.port) &&
        Array.isArray(service.checks),
    )
  );
}

/**
 * Writes snapshots atomically (temp file, then rename over the old one), so a crash mid-write
 * leaves the previous snapshot intact. Writes are serialised and coalesced: while one is on disk,
 * only the latest requested state is written next.
 */
export class SnapshotWriter<T = CatalogSnapshot> {
  #pending: (() => T) | undefined;
  #writing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  request(take: () => T): void {
    this.#pending = take;
    this.#writing ??= this.#drain();
  }

  /** Resolves once every requested snapshot is on disk. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending) {
        const take = this.#pending;
        this.#pending = undefined;
        await this.#write(JSON.stringify(take()));
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #write(text: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, text, { flush: true });
      await rename(temporary, this.path);
    } catch (error) {
      this.logger.error({ err: error, path: this.path }, 'cannot write a snapshot');
    }
  }
}
