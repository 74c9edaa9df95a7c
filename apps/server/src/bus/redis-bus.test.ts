import { randomUUID } from "node:crypto";
import { createPositionsCache, type InvalidationBus, type InvalidationMessage } from "@tradedesk/core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisBus } from "./redis-bus.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const opened: InvalidationBus[] = [];

async function bus(channel: string, onInvalidMessage?: (raw: string) => void) {
  const created = await createRedisBus({ url: REDIS_URL, channel, onInvalidMessage });
  opened.push(created);
  return created;
}

function nextMessage(on: InvalidationBus): Promise<InvalidationMessage> {
  return new Promise((resolve) => {
    const unsubscribe = on.subscribe((message) => {
      unsubscribe();
      resolve(message);
    });
  });
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

describe("Redis invalidation bus", () => {
  it("delivers a message published by one instance to another", async () => {
    const channel = `test:${randomUUID()}`;
    const a = await bus(channel);
    const b = await bus(channel);
    const received = nextMessage(b);
    await a.publish({ origin: "a", userId: "user-1", dataType: "balances_summary" });
    expect(await received).toEqual({ origin: "a", userId: "user-1", dataType: "balances_summary" });
  });

  it("keeps channels apart", async () => {
    const a = await bus(`test:${randomUUID()}`);
    const other = await bus(`test:${randomUUID()}`);
    const seenByOther: InvalidationMessage[] = [];
    other.subscribe((m) => seenByOther.push(m));
    // Redis delivers in order: once other's own message arrived, a's would have too.
    const received = nextMessage(other);
    await a.publish({ origin: "a", userId: null, dataType: null });
    await other.publish({ origin: "other", userId: null, dataType: null });
    expect(await received).toEqual({ origin: "other", userId: null, dataType: null });
    expect(seenByOther).toHaveLength(1);
  });

  it("stops delivering to an unsubscribed handler", async () => {
    const channel = `test:${randomUUID()}`;
    const a = await bus(channel);
    const b = await bus(channel);
    const dropped: InvalidationMessage[] = [];
    const unsubscribe = b.subscribe((m) => dropped.push(m));
    unsubscribe();
    const received = nextMessage(b);
    await a.publish({ origin: "a", userId: "u", dataType: null });
    await received;
    expect(dropped).toEqual([]);
  });

  it("ignores what is not an invalidation message on the channel", async () => {
    const channel = `test:${randomUUID()}`;
    let invalid = "";
    const b = await bus(channel, (raw) => {
      invalid = raw;
    });
    const a = await bus(channel);
    const raw = new Redis(REDIS_URL);
    try {
      const received = nextMessage(b);
      await raw.publish(channel, "not json");
      await raw.publish(channel, JSON.stringify({ userId: 5 }));
      await a.publish({ origin: "a", userId: "u", dataType: null });
      // Redis delivers in order on one subscription: by the valid one, both bad ones were seen.
      expect(await received).toEqual({ origin: "a", userId: "u", dataType: null });
      expect(invalid).toBe(JSON.stringify({ userId: 5 }));
    } finally {
      raw.disconnect();
    }
  });

  it("keeps two caches coherent: an invalidation on one instance removes the entry on the other", async () => {
    const channel = `test:${randomUUID()}`;
    const busA = await bus(channel);
    const busB = await bus(channel);
    const cacheA = createPositionsCache({ bus: busA, instanceId: "a" });
    const cacheB = createPositionsCache({ bus: busB, instanceId: "b" });
    try {
      await cacheB.set("user-1", "balances_summary", { total: "1" });
      await cacheB.set("user-2", "balances_summary", { total: "2" });
      const applied = new Promise<void>((resolve) => {
        cacheB.onInvalidate((event) => {
          if (event.origin === "bus") resolve();
        });
      });
      await cacheA.invalidate("user-1");
      await applied;
      expect(await cacheB.get("user-1", "balances_summary")).toBeUndefined();
      expect(await cacheB.get("user-2", "balances_summary")).toEqual({ total: "2" });
    } finally {
      cacheA.stop();
      cacheB.stop();
    }
  });
});
