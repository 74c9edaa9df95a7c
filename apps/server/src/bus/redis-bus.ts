import type { InvalidationBus, InvalidationMessage } from "@tradedesk/core";
import { Redis } from "ioredis";
import { z } from "zod";

/**
 * Cache invalidations across server instances over Redis pub/sub. Each instance's cache
 * publishes what it invalidated and applies what others published (it skips its own origin).
 *
 * The bus never holds a request up: `publish` only queues the message (a bounded buffer) and
 * returns; a background loop sends it. While Redis is away the bus is "down": messages wait in
 * the buffer (the oldest are dropped, and counted lost, when it is full) and other instances'
 * messages do not reach us at all (pub/sub keeps nothing). The owner learns every change of state
 * through `onStateChange` (once per change, not once per failed publish): the server serves with a
 * short TTL while the bus is down and drops its whole cache when it is back, since messages may
 * have been lost in between.
 */

export const DEFAULT_CHANNEL = "tradedesk:cache-invalidations";
/** Invalidations kept while Redis is away; the oldest beyond this are dropped (counted lost). */
export const DEFAULT_BUFFER_SIZE = 1_000;
/**
 * While the bus is up, `publish` waits this long at most for Redis to take the message, so that a
 * mutation's answer normally follows its invalidation (read-your-writes on other instances).
 */
export const DEFAULT_PUBLISH_WAIT_MS = 100;

const messageSchema = z.object({
  origin: z.string().min(1),
  userId: z.string().nullable(),
  dataType: z.string().nullable(),
});

export type BusState = "up" | "down";

export interface RedisBusOptions {
  url: string;
  channel?: string;
  bufferSize?: number;
  publishWaitMs?: number;
  /** Told about messages that are not invalidations (someone else on our channel). */
  onInvalidMessage?: (raw: string) => void;
  /** Redis connection errors; many per outage (every reconnect attempt), so log them at debug. */
  onError?: (error: Error) => void;
  /** Once per change: "down" when either connection is lost, "up" when both are back and subscribed. */
  onStateChange?: (state: BusState) => void;
}

export interface RedisBus extends InvalidationBus {
  state(): BusState;
  /** Messages this instance could not publish (the buffer overflowed while Redis was away). */
  lostMessages(): number;
  /** Messages waiting to be published. */
  buffered(): number;
}

/** Resolves once the subscription is live, so nothing published afterwards is missed. */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const publishWaitMs = options.publishWaitMs ?? DEFAULT_PUBLISH_WAIT_MS;
  // A subscribed connection can only (un)subscribe, so publishing needs its own. No offline queue
  // and one attempt per command: a publish fails at once while Redis is away, and the message
  // stays in our own bounded buffer instead of ioredis' unbounded one.
  const redisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect quickly after a short outage, at most every second after a long one.
    retryStrategy: (times: number) => Math.min(50 * times, 1_000),
  };
  const publisher = new Redis(options.url, redisOptions);
  // The subscriber re-subscribes by itself after a reconnect (ioredis' autoResubscribe).
  const subscriber = new Redis(options.url, { ...redisOptions, enableOfflineQueue: true });
  const handlers = new Set<(message: InvalidationMessage) => void>();
  const onError = options.onError ?? (() => {});
  publisher.on("error", onError);
  subscriber.on("error", onError);

  let closed = false;
  // Changes are told from the first successful subscription on, not while connecting at start.
  let started = false;
  let state: BusState = "down";
  let lost = 0;
  const buffer: { raw: string; sent: () => void }[] = [];
  let draining = false;

  const connected = () => publisher.status === "ready" && subscriber.status === "ready";
  const setState = (next: BusState) => {
    if (closed || !started || next === state) return;
    state = next;
    options.onStateChange?.(next);
    if (next === "up") void drain();
  };
  const onDown = () => setState("down");
  publisher.on("close", onDown);
  subscriber.on("close", onDown);
  publisher.on("ready", () => {
    if (connected()) setState("up");
  });
  // After a reconnect the subscriber is "ready" once it has subscribed again.
  subscriber.on("ready", () => {
    if (connected()) setState("up");
  });

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (!closed && state === "up" && buffer.length > 0) {
        const next = buffer[0] as (typeof buffer)[number];
        try {
          await publisher.publish(channel, next.raw);
          // Unless close() or an overflow already took it out.
          if (buffer[0] === next) buffer.shift();
          next.sent();
        } catch {
          // Still connected on paper: the "close" event follows; the message waits for "up".
          if (publisher.status !== "ready") setState("down");
          return;
        }
      }
    } finally {
      draining = false;
    }
  }

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
  // Up from here on without telling: the owner starts with an up bus.
  state = connected() ? "up" : "down";
  started = true;
  if (state === "down") options.onStateChange?.("down");

  return {
    publish(message) {
      if (closed) return Promise.resolve();
      const raw = JSON.stringify(messageSchema.parse(message));
      let sent = () => {};
      const taken = new Promise<void>((resolve) => {
        sent = resolve;
      });
      buffer.push({ raw, sent });
      if (buffer.length > bufferSize) {
        for (const dropped of buffer.splice(0, buffer.length - bufferSize)) {
          dropped.sent();
          lost++;
        }
      }
      void drain();
      if (state === "down") return Promise.resolve();
      // Up: wait (briefly) for Redis to take it; the message stays queued if it does not.
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, publishWaitMs);
        timer.unref?.();
        void taken.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    state: () => state,
    lostMessages: () => lost,
    buffered: () => buffer.length,
    async close() {
      if (closed) return;
      // What is still buffered goes out if Redis is there (a graceful shutdown loses nothing).
      if (state === "up") await drain();
      closed = true;
      handlers.clear();
      for (const dropped of buffer.splice(0)) {
        dropped.sent();
        lost++;
      }
      const quit = (client: Redis) =>
        client.status === "ready" ? client.quit().then(() => {}) : Promise.resolve(client.disconnect());
      await Promise.allSettled([quit(subscriber), quit(publisher)]);
    },
  };
}
