/**
 * How several caches (server instances) tell each other what they invalidated. The cache
 * publishes every local invalidation and applies the messages of other origins; the transport
 * (in-process here, Redis pub/sub in apps/server) only carries them.
 */
export interface InvalidationMessage {
  /** The instance id of the cache that invalidated; a cache ignores its own messages. */
  origin: string;
  /** null = every user. */
  userId: string | null;
  /** null = every data type. */
  dataType: string | null;
}

export interface InvalidationBus {
  publish(message: InvalidationMessage): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: (message: InvalidationMessage) => void): () => void;
  close(): Promise<void>;
}

/**
 * A bus inside one process, for tests and for several caches in one process. Delivery is
 * synchronous: when `publish` resolves, every subscriber has applied the message.
 */
export function createLocalInvalidationBus(): InvalidationBus {
  const handlers = new Set<(message: InvalidationMessage) => void>();
  let closed = false;
  return {
    async publish(message) {
      if (closed) throw new Error("invalidation bus is closed");
      const failures: unknown[] = [];
      // A copy: a handler may unsubscribe while we deliver.
      for (const handler of [...handlers]) {
        try {
          handler({ ...message });
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, "invalidation bus subscriber failed");
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
