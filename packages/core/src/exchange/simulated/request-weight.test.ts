import Decimal from "decimal.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ExchangeRateLimitedError } from "../errors.ts";
import { DEFAULT_SYMBOLS } from "./market.ts";
import { createSimulatedExchange, type SimulatedExchange } from "./simulated-exchange.ts";

const account = { id: "acc-weight" };
let exchange: SimulatedExchange;
afterEach(async () => {
  await exchange.close();
  vi.useRealTimers();
});

describe("request weight on the simulated exchange", () => {
  it("counts calls and weight per operation like Binance USD-M", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    await exchange.getAccountSnapshot(account); // account v3 (5) + positionRisk (5)
    await exchange.getMarkPrices(["BTCUSDT"]); // premiumIndex with a symbol: 1
    await exchange.getMarkPrices(["BTCUSDT", "ETHUSDT"]); // premiumIndex per symbol: 2
    await exchange.getMarkPrices(Object.keys(DEFAULT_SYMBOLS)); // 6 symbols: 6, still under 10
    await exchange.placeOrder(account, {
      clientOrderId: "w-1",
      symbol: "ETHUSDT",
      side: "BUY",
      type: "LIMIT",
      quantity: new Decimal("1"),
      price: new Decimal("3000"),
    }); // 0 on the IP limit
    await exchange.getOrder(account, { symbol: "ETHUSDT", clientOrderId: "w-1" }); // 1
    await exchange.cancelOrders(account, [
      { symbol: "ETHUSDT", clientOrderId: "w-1" },
      { symbol: "ETHUSDT", clientOrderId: "sl-1", kind: "trigger" },
    ]); // batchOrders (1) + one algo order (1)
    expect(exchange.stats()).toEqual({
      calls: { getAccountSnapshot: 1, getMarkPrices: 3, placeOrder: 1, getOrder: 1, cancelOrders: 1 },
      weight: 22,
      usedWeight1m: 22,
    });
    exchange.resetStats();
    expect(exchange.stats()).toEqual({ calls: {}, weight: 0, usedWeight1m: 0 });
  });

  it("weighs mark prices as the Binance gateway spends them: 1 per symbol, at most 10", async () => {
    const symbols = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`S${i}USDT`, "1"]));
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, symbols });
    const weighs = async (list: string[]) => {
      exchange.resetStats();
      await exchange.getMarkPrices(list);
      return exchange.stats().weight;
    };
    expect(await weighs(["S0USDT"])).toBe(1);
    expect(await weighs(["S0USDT", "S1USDT", "S1USDT"])).toBe(2);
    expect(await weighs(Object.keys(symbols).slice(0, 9))).toBe(9);
    expect(await weighs(Object.keys(symbols))).toBe(10);
  });

  it("forgets weight older than a minute in usedWeight1m, but not in the total", async () => {
    vi.useFakeTimers();
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    await exchange.getAccountSnapshot(account);
    vi.advanceTimersByTime(30_000);
    await exchange.getAccountSnapshot(account);
    expect(exchange.stats().usedWeight1m).toBe(20);
    vi.advanceTimersByTime(30_000);
    expect(exchange.stats()).toMatchObject({ weight: 20, usedWeight1m: 10 });
  });

  it("answers 429 with the wait until weight frees once over the per-minute limit", async () => {
    vi.useFakeTimers();
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, weightLimit1m: 20 });
    await exchange.getAccountSnapshot(account);
    vi.advanceTimersByTime(15_000);
    await exchange.getAccountSnapshot(account);
    const refused = exchange.getAccountSnapshot(account);
    await expect(refused).rejects.toBeInstanceOf(ExchangeRateLimitedError);
    await expect(refused).rejects.toMatchObject({ retryAfterMs: 45_000 });
    vi.advanceTimersByTime(45_000);
    await expect(exchange.getAccountSnapshot(account)).resolves.toBeDefined();
  });
});

describe("latency and the price feed on the simulated exchange", () => {
  it("answers after the configured round trip, driven by timers", async () => {
    vi.useFakeTimers();
    exchange = createSimulatedExchange({ latencyMs: 120, priceTickMs: 0 });
    let answered = false;
    const marks = exchange.getMarkPrices(["BTCUSDT"]).then((result) => {
      answered = true;
      return result;
    });
    await vi.advanceTimersByTimeAsync(119);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toBe(true);
    expect((await marks).get("BTCUSDT")?.toFixed()).toBe("65000");
  });

  it("walks the prices every priceTickMs and stops on close", async () => {
    vi.useFakeTimers();
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 1000, seed: 5 });
    const ticks: string[] = [];
    exchange.subscribeMarkPrices(["BTCUSDT"], (tick) => ticks.push(tick.markPrice.toFixed()));
    await vi.advanceTimersByTimeAsync(3000);
    expect(ticks).toHaveLength(3);

    const replay = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, seed: 5 });
    const expected: string[] = [];
    replay.subscribeMarkPrices(["BTCUSDT"], (tick) => expected.push(tick.markPrice.toFixed()));
    for (let i = 0; i < 3; i++) await replay.tick();
    await replay.close();
    expect(ticks).toEqual(expected);

    await exchange.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(ticks).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});
