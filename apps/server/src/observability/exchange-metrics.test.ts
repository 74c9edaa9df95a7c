import { createBinanceGateway, createSimulatedExchange, type SimulatedExchange } from "@tradedesk/core";
import Decimal from "decimal.js";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createExchangeMetrics } from "./exchange-metrics.ts";

/** The measuring proxy around the real simulated exchange (and a real, idle, Binance gateway). */

const exchanges: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
});

function setUp(now: () => number = () => 1_700_000_000_000) {
  const raw = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
  exchanges.push(raw);
  const metrics = createExchangeMetrics({ now });
  const gateway: SimulatedExchange = metrics.observe(raw);
  const registry = new Registry();
  metrics.register(registry);
  return { raw, gateway, registry };
}

/** One sample's value from the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const account = { id: "acct-metrics" };

describe("exchange metrics", () => {
  it("counts each REST call by operation and outcome, and times it", async () => {
    const { gateway, registry } = setUp();
    await gateway.getAccountSnapshot(account);
    await gateway.getAccountSnapshot(account);
    await expect(
      gateway.placeOrder(account, {
        clientOrderId: "bad-symbol",
        symbol: "NOPEUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: new Decimal("1"),
      }),
    ).rejects.toThrow();
    await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 5 });
    gateway.injectFault({ kind: "server-error" }, { operation: "getAccountSnapshot" });
    await expect(gateway.getAccountSnapshot(account)).rejects.toThrow();
    gateway.injectFault({ kind: "rate-limited", retryAfterMs: 1000 }, { operation: "getMarkPrices" });
    await expect(gateway.getMarkPrices(["BTCUSDT"])).rejects.toThrow();
    // Last: the exchange refuses every call while the ban lasts.
    gateway.injectFault({ kind: "banned", retryAfterMs: 1000 }, { operation: "getMarkPrices" });
    await expect(gateway.getMarkPrices(["BTCUSDT"])).rejects.toThrow();

    const text = await registry.metrics();
    const requests = (operation: string, outcome: string) =>
      sample(
        text,
        `tradedesk_exchange_requests_total{exchange="simulated",operation="${operation}",outcome="${outcome}"}`,
      );
    expect(requests("getAccountSnapshot", "ok")).toBe(2);
    expect(requests("getAccountSnapshot", "unavailable")).toBe(1);
    expect(requests("getMarkPrices", "rate_limited")).toBe(1);
    expect(requests("getMarkPrices", "banned")).toBe(1);
    expect(requests("placeOrder", "rejected")).toBe(1);
    expect(requests("setLeverage", "ok")).toBe(1);
    expect(
      sample(
        text,
        'tradedesk_exchange_request_duration_seconds_count{exchange="simulated",operation="getAccountSnapshot"}',
      ),
    ).toBe(3);
  });

  it("reads the weight used this minute from the gateway at scrape time", async () => {
    const { raw, gateway, registry } = setUp();
    await gateway.getAccountSnapshot(account);
    const text = await registry.metrics();
    expect(raw.stats().usedWeight1m).toBeGreaterThan(0);
    expect(sample(text, 'tradedesk_exchange_weight_used_1m{exchange="simulated"}')).toBe(
      raw.stats().usedWeight1m,
    );
    // The simulated exchange has no budget here: no limit series, so no alert on a made-up one.
    expect(text).not.toContain("tradedesk_exchange_weight_limit_1m{");
  });

  it("reports the Binance gateway's budget, ban and back-off from weight()", async () => {
    const binance = createBinanceGateway({ baseUrl: "http://127.0.0.1:9", weightBudgetPerMinute: 1200 });
    exchanges.push(binance);
    const metrics = createExchangeMetrics();
    metrics.observe(binance, { weightLimitPerMinute: 1200 });
    const registry = new Registry();
    metrics.register(registry);
    const text = await registry.metrics();
    expect(sample(text, 'tradedesk_exchange_weight_limit_1m{exchange="binance-usdm"}')).toBe(1200);
    expect(sample(text, 'tradedesk_exchange_weight_used_1m{exchange="binance-usdm"}')).toBe(0);
    expect(sample(text, 'tradedesk_exchange_blocked{exchange="binance-usdm",reason="banned"}')).toBe(0);
    expect(sample(text, 'tradedesk_exchange_blocked{exchange="binance-usdm",reason="backoff"}')).toBe(0);
  });

  it("watches the mark-price stream: subscriptions open, ticks and when the last one came", async () => {
    let clock = 1_700_000_000_000;
    const { gateway, registry } = setUp(() => clock);
    const scrape = async (series: string) =>
      sample(await registry.metrics(), `${series}{exchange="simulated"}`);
    expect(await scrape("tradedesk_price_feed_subscriptions")).toBe(0);
    expect(await scrape("tradedesk_price_feed_last_tick_timestamp_seconds")).toBeUndefined();
    const heard: string[] = [];
    const unsubscribe = gateway.subscribeMarkPrices(["BTCUSDT"], (tick) => heard.push(tick.symbol));
    expect(await scrape("tradedesk_price_feed_subscriptions")).toBe(1);
    // Watched but no tick yet: the feed's age counts from the subscription, so a dead feed alerts.
    expect(await scrape("tradedesk_price_feed_last_tick_timestamp_seconds")).toBe(1_700_000_000);
    clock += 5_000;
    await gateway.setMarkPrice("BTCUSDT", "66000");
    expect(heard).toContain("BTCUSDT"); // the listener still hears every tick
    expect(await scrape("tradedesk_price_feed_ticks_total")).toBeGreaterThan(0);
    expect(await scrape("tradedesk_price_feed_last_tick_timestamp_seconds")).toBe(1_700_000_005);
    unsubscribe();
    unsubscribe(); // twice: counted down once
    expect(await scrape("tradedesk_price_feed_subscriptions")).toBe(0);
  });

  it("counts account event streams and their events by type", async () => {
    const { gateway, registry } = setUp();
    const unsubscribe = gateway.subscribeAccountEvents(account, () => {});
    expect(await registry.metrics()).toContain('tradedesk_exchange_account_streams{exchange="simulated"} 1');
    await gateway.placeOrder(account, {
      clientOrderId: "buy-1",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: new Decimal("0.01"),
    });
    const text = await registry.metrics();
    expect(
      sample(text, 'tradedesk_exchange_account_events_total{exchange="simulated",type="order"}'),
    ).toBeGreaterThan(0);
    unsubscribe();
    expect(await registry.metrics()).toContain('tradedesk_exchange_account_streams{exchange="simulated"} 0');
  });

  it("passes the gateway's own extras through (tests still drive the simulated market)", async () => {
    const { raw, gateway } = setUp();
    await gateway.setMarkPrice("ETHUSDT", "3500");
    expect(gateway.name).toBe("simulated");
    expect((await raw.getMarkPrices(["ETHUSDT"])).get("ETHUSDT")?.toString()).toBe("3500");
  });
});
