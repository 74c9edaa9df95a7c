import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExchangeUnavailableError } from "../exchange/errors.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../exchange/simulated/index.ts";
import { createExchangeRulesCache, type ExchangeRulesCache } from "./exchange-rules.ts";

let clock = 0;
let exchange: SimulatedExchange;
let cache: ExchangeRulesCache;
let refresh: (() => void) | null;
const ruleCalls = () => exchange.stats().calls.getExchangeRules ?? 0;

beforeEach(() => {
  clock = 1_000_000;
  refresh = null;
  exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
  cache = createExchangeRulesCache({
    gateway: exchange,
    now: () => clock,
    // The background refresh runs when the test says so.
    setInterval: (callback) => {
      refresh = callback;
      return 1;
    },
    clearInterval: () => {
      refresh = null;
    },
  });
});
afterEach(async () => {
  cache.stop();
  await exchange.close();
});

describe("the exchange's rules", () => {
  it("are loaded once for every concurrent reader, then served from memory with their age", async () => {
    const reads = await Promise.all(Array.from({ length: 100 }, () => cache.get()));
    expect(ruleCalls()).toBe(1);
    expect(reads[0]?.symbols.get("BTCUSDT")?.stepSize.toFixed()).toBe("0.001");
    clock += 60_000;
    expect(await cache.get()).toMatchObject({ ageMs: 60_000, stale: false });
    expect(ruleCalls()).toBe(1);
  });

  it("are refreshed in the background, and a failed refresh serves the last ones, said to be stale", async () => {
    await cache.get();
    expect(refresh).not.toBeNull(); // the background refresh is scheduled
    clock += 5 * 60_000;
    await cache.refresh(); // what the timer runs
    expect(ruleCalls()).toBe(2);
    expect((await cache.get()).ageMs).toBe(0);

    exchange.injectFault({ kind: "server-error" }, { operation: "getExchangeRules" });
    clock += 5 * 60_000;
    await cache.refresh();
    expect(await cache.get()).toMatchObject({ ageMs: 5 * 60_000, stale: true });
    expect(ruleCalls()).toBe(3);
  });

  it("with nothing loaded yet, a failure reaches the reader", async () => {
    exchange.injectFault({ kind: "timeout" }, { operation: "getExchangeRules" });
    await expect(cache.get()).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect((await cache.get()).symbols.has("ETHUSDT")).toBe(true);
  });
});
