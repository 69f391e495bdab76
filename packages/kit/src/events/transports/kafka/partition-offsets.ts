/**
 * The offsets of one partition taken from the broker, in fetch order, and which of them are done.
 * The consumer commits only up to the first one not done: a later batch finishing first must not
 * move the group's offset past an earlier message still in flight, or one whose handling failed.
 */
export class PartitionOffsets<T> {
  readonly #open = new Map<bigint, { readonly item: T; done: boolean }>();
  #highest = -1n;

  /**
   * Takes a fetched offset; false for one at or below an offset already taken: after a rebalance
   * the client fetches again from the committed offset, and the earlier copy is in flight or done.
   */
  take(offset: bigint, item: T): boolean {
    if (offset <= this.#highest) return false;
    this.#highest = offset;
    this.#open.set(offset, { item, done: false });
    return true;
  }

  /**
   * Marks an offset done. Answers the item of the newest offset all of whose predecessors are done
   * when this moved it (commit the offset after that item's), otherwise undefined.
   */
  complete(offset: bigint): T | undefined {
    const entry = this.#open.get(offset);
    if (!entry) return undefined;
    entry.done = true;
    let committable: T | undefined;
    for (const [at, open] of this.#open) {
      if (!open.done) break;
      committable = open.item;
      this.#open.delete(at);
    }
    return committable;
  }
}
