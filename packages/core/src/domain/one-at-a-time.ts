import { createKeyedQueue } from "../util/keyed-queue.ts";

/**
 * Runs each user's mutations one at a time, in arrival order. Every mutation reads the
 * position, calls the exchange, then writes: two of them interleaved (a double click, two
 * tabs, a close racing an order) would each act on what the other is about to change, e.g.
 * two positions for one symbol, or a position recorded closed while the exchange still
 * holds the quantity added meanwhile. Within one process; several servers would need a
 * shared lock.
 */
export function createPerUserQueue(): <T>(userId: string, run: () => Promise<T>) => Promise<T> {
  return createKeyedQueue();
}
