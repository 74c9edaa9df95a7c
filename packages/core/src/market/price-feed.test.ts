import Decimal from "decimal.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExchangeUnavailableError } from "../exchange/errors.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../exchange/simulated/index.ts";
import { manualTimers } from "../testing/desk-fixture.ts";
import { createPriceFeed, type PriceFeed } from "./price-feed.ts";

let clock: number;
let exchange: SimulatedExchange;
let feed: PriceFeed;
const timers = manualTimers(() => clock);
const priceCalls = () => exchange.stats().calls.getMarkPrices ?? 0;

beforeEach(() => {
  clock = Date.parse("2026-11-30T10:00:00.000Z");
  exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, timers });
  feed = createPriceFeed({ gateway: exchange, now: () => clock, maxAgeMs: 5_000 });
});
afterEach(async () => {
  feed.stop();
  await exchange.close();
});

describe("the price feed", () => {
  it("serves every read from the stream's latest tick, with its age, and no request weight", async () => {
    await feed.quotes(["BTCUSDT"]); // the first read subscribes (and fills the cold feed once)
    exchange.resetStats();
    await exchange.setMarkPrice("BTCUSDT", "65100.5");
    clock += 1_200;
    for (let read = 0; read < 50; read++) {
      const quote = (await feed.quotes(["BTCUSDT"])).get("BTCUSDT");
      expect(quote).toMatchObject({ ageMs: 1_200, stale: false });
      expect(quote?.price.toFixed()).toBe("65100.5");
    }
    expect(priceCalls()).toBe(0);
  });

  it("refreshes a cold or stale symbol once for all concurrent readers, at most once per interval", async () => {
    const reads = await Promise.all(Array.from({ length: 1_000 }, () => feed.quotes(["BTCUSDT", "ETHUSDT"])));
    expect(priceCalls()).toBe(1);
    expect(reads.every((read) => read.get("BTCUSDT")?.price.eq(65000) && read.get("ETHUSDT"))).toBe(true);

    // The stream goes quiet: past the bound, one refresh, shared; within the interval, none.
    clock += 5_001;
    await Promise.all(Array.from({ length: 100 }, () => feed.quotes(["BTCUSDT"])));
    expect(priceCalls()).toBe(2);
    exchange.injectFault({ kind: "server-error" }, { operation: "getMarkPrices" });
    clock += 5_001;
    const failed = (await feed.quotes(["BTCUSDT"])).get("BTCUSDT");
    expect(priceCalls()).toBe(3);
    // The refresh failed: the last price, said to be stale, and no new call until the interval passed.
    expect(failed).toMatchObject({ ageMs: 5_001, stale: true });
    clock += 1_000;
    expect((await feed.quotes(["BTCUSDT"])).get("BTCUSDT")).toMatchObject({ ageMs: 6_001, stale: true });
    expect(priceCalls()).toBe(3);
  });

  it("ignores a tick older than the one it has, and tells its listeners of each new one", async () => {
    await feed.quotes(["SOLUSDT"]);
    const heard: string[] = [];
    const stop = feed.onTick((tick) => heard.push(`${tick.symbol} ${tick.markPrice.toFixed()}`));
    await exchange.setMarkPrice("SOLUSDT", "151");
    await exchange.setMarkPrice("SOLUSDT", "152");
    stop();
    await exchange.setMarkPrice("SOLUSDT", "153");
    expect(heard).toEqual(["SOLUSDT 151", "SOLUSDT 152"]);
    expect((await feed.quotes(["SOLUSDT"])).get("SOLUSDT")?.price.toFixed()).toBe("153");

    // A late tick (older exchange time) does not replace the newer one.
    const late = createPriceFeed({
      gateway: {
        ...exchange,
        subscribeAllMarkPrices: (listener) => {
          listener({ symbol: "SOLUSDT", markPrice: new Decimal("160"), at: clock });
          listener({ symbol: "SOLUSDT", markPrice: new Decimal("159"), at: clock - 1 });
          return () => {};
        },
      },
      now: () => clock,
    });
    expect((await late.quotes(["SOLUSDT"])).get("SOLUSDT")?.price.toFixed()).toBe("160");
  });

  it("leaves out a symbol the exchange does not quote, and reports a failed refresh", async () => {
    const errors: unknown[] = [];
    const quiet = createPriceFeed({
      gateway: { ...exchange, subscribeAllMarkPrices: () => () => {} },
      now: () => clock,
      onRefreshError: (error) => errors.push(error),
    });
    exchange.injectFault({ kind: "timeout" }, { operation: "getMarkPrices" });
    expect((await quiet.quotes(["BTCUSDT"])).has("BTCUSDT")).toBe(false);
    expect(errors).toEqual([expect.any(ExchangeUnavailableError)]);
  });
});
