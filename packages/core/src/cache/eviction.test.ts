import { describe, expect, it } from "vitest";
import { manualClock } from "../testing/manual.ts";
import { createPositionsCache } from "./positions-cache.ts";

describe("bounded size", () => {
  it("evicts the least recently used entries past maxEntries and counts them", async () => {
    const cache = createPositionsCache({ clock: manualClock(), maxEntries: 3 });
    await cache.set("alice", "a", 1);
    await cache.set("bob", "a", 2);
    await cache.set("carol", "a", 3);
    await cache.get("alice", "a"); // alice is now the most recently used; bob the least

    await cache.set("dave", "a", 4);
    expect(await cache.get("bob", "a")).toBeUndefined();
    await cache.getOrLoad("erin", "a", () => 5); // carol goes next

    expect(await cache.get("carol", "a")).toBeUndefined();
    expect(await cache.get("alice", "a")).toBe(1);
    expect(await cache.get("dave", "a")).toBe(4);
    expect(await cache.get("erin", "a")).toBe(5);
    expect(cache.getMetrics()).toMatchObject({ size: 3, evictions: 2 });
  });

  it("counts a hit through getOrLoad as a use", async () => {
    const cache = createPositionsCache({ clock: manualClock(), maxEntries: 2 });
    await cache.set("alice", "a", 1);
    await cache.set("bob", "a", 2);
    await cache.getOrLoad("alice", "a", () => 0);
    await cache.set("carol", "a", 3);
    expect(await cache.get("alice", "a")).toBe(1);
    expect(await cache.get("bob", "a")).toBeUndefined();
  });

  it("does not count replacing a key's value as an eviction", async () => {
    const cache = createPositionsCache({ clock: manualClock(), maxEntries: 2 });
    await cache.set("alice", "a", 1);
    await cache.set("alice", "a", 2);
    await cache.set("bob", "a", 3);
    expect(cache.getMetrics()).toMatchObject({ size: 2, evictions: 0 });
  });

  it("forgets an evicted entry when its user is invalidated", async () => {
    const cache = createPositionsCache({ clock: manualClock(), maxEntries: 1 });
    await cache.set("alice", "a", 1);
    await cache.set("bob", "a", 2);
    expect(await cache.invalidate("alice")).toBe(0);
    expect(await cache.invalidate("bob")).toBe(1);
  });
});
