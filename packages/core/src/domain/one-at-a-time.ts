/**
 * Runs each user's mutations one at a time, in arrival order. Every mutation reads the
 * position, calls the exchange, then writes: two of them interleaved (a double click, two
 * tabs, a close racing an order) would each act on what the other is about to change, e.g.
 * two positions for one symbol, or a position recorded closed while the exchange still
 * holds the quantity added meanwhile. Within one process; several servers would need a
 * shared lock.
 */
export function createPerUserQueue() {
  const tails = new Map<string, Promise<void>>();
  return function oneAtATime<T>(userId: string, run: () => Promise<T>): Promise<T> {
    const previous = tails.get(userId) ?? Promise.resolve();
    const result = previous.then(run);
    const tail = result.then(
      () => {},
      () => {},
    );
    tails.set(userId, tail);
    void tail.then(() => {
      if (tails.get(userId) === tail) tails.delete(userId);
    });
    return result;
  };
}
