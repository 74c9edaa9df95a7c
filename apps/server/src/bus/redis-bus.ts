import type { InvalidationBus, InvalidationMessage } from "@tradedesk/core";
import { Redis } from "ioredis";
import { z } from "zod";

/**
 * Cache invalidations across server instances over Redis pub/sub. Each instance's cache
 * publishes what it invalidated and applies what others published (it skips its own origin).
 * Pub/sub is fire-and-forget: an instance that is disconnected misses messages, which the
 * cache's short TTL bounds.
 */

export const DEFAULT_CHANNEL = "tradedesk:cache-invalidations";

const messageSchema = z.object({
  origin: z.string().min(1),
  userId: z.string().nullable(),
  dataType: z.string().nullable(),
});

export interface RedisBusOptions {
  url: string;
  channel?: string;
  /** Told about messages that are not invalidations (someone else on our channel). */
  onInvalidMessage?: (raw: string) => void;
  onError?: (error: Error) => void;
}

/** Resolves once the subscription is live, so nothing published afterwards is missed. */
export async function createRedisBus(options: RedisBusOptions): Promise<InvalidationBus> {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  // A subscribed connection can only (un)subscribe, so publishing needs its own.
  const publisher = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(options.url, { lazyConnect: true });
  const handlers = new Set<(message: InvalidationMessage) => void>();
  const onError = options.onError ?? (() => {});
  publisher.on("error", onError);
  subscriber.on("error", onError);

  subscriber.on("message", (from: string, raw: string) => {
    if (from !== channel) return;
    let parsed: z.ZodSafeParseResult<InvalidationMessage>;
    try {
      parsed = messageSchema.safeParse(JSON.parse(raw));
    } catch {
      options.onInvalidMessage?.(raw);
      return;
    }
    if (!parsed.success) {
      options.onInvalidMessage?.(raw);
      return;
    }
    for (const handler of handlers) handler(parsed.data);
  });

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }

  let closed = false;
  return {
    async publish(message) {
      if (closed) return;
      await publisher.publish(channel, JSON.stringify(messageSchema.parse(message)));
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
