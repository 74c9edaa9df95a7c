import { describe, expect, it } from "vitest";
import { ExchangeBannedError, ExchangeRateLimitedError } from "../errors.ts";
import { createWeightBudget } from "./weight-budget.ts";

function clock(start = Date.UTC(2026, 10, 24, 10, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("createWeightBudget", () => {
  it("refuses locally once the per-minute budget would be exceeded, and refills next minute", () => {
    const c = clock();
    const budget = createWeightBudget({ limitPerMinute: 10, now: c.now });
    budget.acquire(5);
    budget.acquire(5);
    expect(() => budget.acquire(1)).toThrow(ExchangeRateLimitedError);
    try {
      budget.acquire(1);
    } catch (error) {
      expect((error as ExchangeRateLimitedError).retryAfterMs).toBe(60_000);
    }
    expect(budget.state().usedWeight1m).toBe(10);
    c.advance(60_000);
    expect(budget.state().usedWeight1m).toBe(0);
    budget.acquire(10);
  });

  it("adopts Binance's used-weight header when it is higher than our own count", () => {
    const c = clock();
    const budget = createWeightBudget({ limitPerMinute: 100, now: c.now });
    budget.acquire(1);
    budget.observe({ status: 200, usedWeight1m: 95, retryAfterSeconds: null });
    expect(budget.state().usedWeight1m).toBe(95);
    expect(() => budget.acquire(6)).toThrow(ExchangeRateLimitedError);
    budget.observe({ status: 200, usedWeight1m: 3, retryAfterSeconds: null });
    expect(budget.state().usedWeight1m).toBe(95);
  });

  it("does not carry a previous minute's used-weight header into the new minute", () => {
    const c = clock(Date.UTC(2026, 10, 24, 10, 0, 59, 900));
    const budget = createWeightBudget({ limitPerMinute: 1800, now: c.now });
    budget.acquire(5);
    const sentAt = c.now();
    c.advance(200); // the answer arrives in the next minute, counting the minute it was sent in
    budget.observe({ status: 200, usedWeight1m: 1700, retryAfterSeconds: null, sentAt });
    expect(budget.state().usedWeight1m).toBe(0);
    budget.acquire(1000);
    // Sent and answered in this minute: adopted.
    budget.observe({ status: 200, usedWeight1m: 1200, retryAfterSeconds: null, sentAt: c.now() });
    expect(budget.state().usedWeight1m).toBe(1200);
  });

  it("backs off for Retry-After after a 429, then lets requests through again", () => {
    const c = clock();
    const budget = createWeightBudget({ limitPerMinute: 100, now: c.now });
    budget.observe({ status: 429, usedWeight1m: null, retryAfterSeconds: 7 });
    expect(budget.state().backoffUntil).toBe(c.now() + 7000);
    c.advance(6_999);
    expect(() => budget.acquire(1)).toThrow(
      expect.objectContaining({ name: "ExchangeRateLimitedError", retryAfterMs: 1 }),
    );
    c.advance(1);
    budget.acquire(1);
    expect(budget.state().backoffUntil).toBeNull();
  });

  it("stops every call during a 418 ban, reporting when it lifts", () => {
    const c = clock();
    const budget = createWeightBudget({ limitPerMinute: 100, now: c.now });
    budget.observe({ status: 418, usedWeight1m: null, retryAfterSeconds: 120 });
    expect(() => budget.acquire(0)).toThrow(ExchangeBannedError);
    c.advance(119_000);
    expect(() => budget.acquire(0)).toThrow(expect.objectContaining({ retryAfterMs: 1000 }));
    c.advance(1000);
    budget.acquire(0);
    expect(budget.state().bannedUntil).toBeNull();
  });
});

describe("priorities when the budget runs low", () => {
  it("stops background work first, then reads, and keeps the rest for trading", () => {
    const budget = createWeightBudget({ limitPerMinute: 100, now: () => 0 });
    budget.acquire(55, "background");
    expect(() => budget.acquire(10, "background")).toThrow(/background requests may use 60 of 100/);
    budget.acquire(25, "read"); // 80
    expect(() => budget.acquire(10, "read")).toThrow(/read requests may use 85 of 100/);
    budget.acquire(20); // trading: up to the whole 100
    expect(() => budget.acquire(1)).toThrow(ExchangeRateLimitedError);
    expect(budget.state().usedWeight1m).toBe(100);
  });
});

describe("a weight budget shared by several processes", () => {
  /** The shared count as Redis keeps it (apps/server's Lua script), or unreachable. */
  function sharedCounter() {
    const minutes = new Map<number, number>();
    const counter = {
      reachable: true,
      minutes,
      async reserve(minute: number, weight: number, allowed: number) {
        if (!counter.reachable) throw new Error("ECONNREFUSED");
        const used = minutes.get(minute) ?? 0;
        if (used + weight > allowed) return { reserved: false, used };
        minutes.set(minute, used + weight);
        return { reserved: true, used: used + weight };
      },
    };
    return counter;
  }

  it("lets three processes together spend one budget, priorities kept", async () => {
    const shared = sharedCounter();
    const now = () => 0;
    const budgets = [1, 2, 3].map(() =>
      createWeightBudget({ limitPerMinute: 100, now, shared, fallbackShare: 1 / 3 }),
    );
    for (let i = 0; i < 6; i++) await budgets[i % 3]!.acquire(10, "background");
    await expect(budgets[0]!.acquire(10, "background")).rejects.toThrow(ExchangeRateLimitedError);
    await budgets[1]!.acquire(20, "read"); // reads go on to 85
    await expect(budgets[2]!.acquire(10, "read")).rejects.toThrow(ExchangeRateLimitedError);
    await budgets[2]!.acquire(20, "trade"); // orders keep the rest
    await expect(budgets[0]!.acquire(1, "trade")).rejects.toThrow(ExchangeRateLimitedError);
    expect(shared.minutes.get(0)).toBe(100);
  });

  it("falls back to its share while the shared count is unreachable, and says so once", async () => {
    const shared = sharedCounter();
    const changes: boolean[] = [];
    const budget = createWeightBudget({
      limitPerMinute: 90,
      now: () => 0,
      shared,
      fallbackShare: 1 / 3,
      onSharedStateChange: (reachable) => changes.push(reachable),
    });
    await budget.acquire(10);
    shared.reachable = false;
    await budget.acquire(10);
    await budget.acquire(10); // 30 of its own: its third of 90
    await expect(budget.acquire(1)).rejects.toThrow(ExchangeRateLimitedError);
    shared.reachable = true;
    await budget.acquire(10);
    expect(changes).toEqual([false, true]);
  });
});
