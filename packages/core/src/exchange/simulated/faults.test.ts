import Decimal from "decimal.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  ExchangeBannedError,
  ExchangeOrderStatusUnknownError,
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
} from "../errors.ts";
import type { PlaceOrderRequest } from "../gateway.ts";
import {
  createSimulatedExchange,
  type SimulatedExchange,
  type SimulatedTimers,
} from "./simulated-exchange.ts";

const account = { id: "acc-faults" };
const buy = (clientOrderId: string): PlaceOrderRequest => ({
  clientOrderId,
  symbol: "BTCUSDT",
  side: "BUY",
  type: "MARKET",
  quantity: new Decimal("0.01"),
});

/** Timers whose clock the test moves by hand (no latency is used here, so no timer ever fires). */
function manualClock(): SimulatedTimers & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    setTimeout: () => undefined,
    clearTimeout: () => {},
    setInterval: () => undefined,
    clearInterval: () => {},
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

let exchange: SimulatedExchange;
afterEach(() => exchange.close());

describe("fault injection on the simulated exchange", () => {
  it("turns a timeout or a 5xx into ExchangeUnavailableError", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    exchange.injectFault({ kind: "timeout" }, { operation: "getAccountSnapshot" });
    await expect(exchange.getAccountSnapshot(account)).rejects.toBeInstanceOf(ExchangeUnavailableError);
    exchange.injectFault({ kind: "server-error" });
    await expect(exchange.getMarkPrices(["BTCUSDT"])).rejects.toBeInstanceOf(ExchangeUnavailableError);
    // each fault fails one call by default
    await expect(exchange.getMarkPrices(["BTCUSDT"])).resolves.toBeInstanceOf(Map);
  });

  it("answers 429 as ExchangeRateLimitedError carrying Retry-After", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    exchange.injectFault(
      { kind: "rate-limited", retryAfterMs: 7000 },
      { operation: "getMarkPrices", times: 2 },
    );
    await expect(exchange.getAccountSnapshot(account)).resolves.toBeDefined();
    for (let i = 0; i < 2; i++) {
      const failure = exchange.getMarkPrices(["ETHUSDT"]);
      await expect(failure).rejects.toBeInstanceOf(ExchangeRateLimitedError);
      await expect(failure).rejects.toMatchObject({ retryAfterMs: 7000 });
    }
    await expect(exchange.getMarkPrices(["ETHUSDT"])).resolves.toBeInstanceOf(Map);
  });

  it("answers 418 with ExchangeBannedError and refuses every call until the ban lifts", async () => {
    const clock = manualClock();
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, timers: clock });
    exchange.injectFault({ kind: "banned", retryAfterMs: 120_000 }, { operation: "getAccountSnapshot" });
    await expect(exchange.getAccountSnapshot(account)).rejects.toBeInstanceOf(ExchangeBannedError);
    clock.advance(60_000);
    const stillBanned = exchange.getMarkPrices(["BTCUSDT"]);
    await expect(stillBanned).rejects.toBeInstanceOf(ExchangeBannedError);
    await expect(stillBanned).rejects.toMatchObject({ retryAfterMs: 60_000 });
    clock.advance(60_000);
    await expect(exchange.getMarkPrices(["BTCUSDT"])).resolves.toBeInstanceOf(Map);
  });

  it("does not place an order that a 5xx refused, and says it is safe to retry", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    exchange.injectFault({ kind: "server-error" }, { operation: "placeOrder" });
    await expect(exchange.placeOrder(account, buy("o-1"))).rejects.toThrow(/safe to retry/);
    expect(await exchange.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "o-1" })).toBeNull();
    await expect(exchange.placeOrder(account, buy("o-1"))).resolves.toMatchObject({ status: "FILLED" });
  });

  it("reconciles a 5xx after the order was accepted: returns the order, placed exactly once", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    exchange.injectFault({ kind: "server-error-after-accept" }, { operation: "placeOrder" });
    const order = await exchange.placeOrder(account, buy("o-2"));
    expect(order).toMatchObject({ clientOrderId: "o-2", status: "FILLED" });
    expect(exchange.stats().calls).toMatchObject({ placeOrder: 1, getOrder: 1 });
    const [position] = (await exchange.getAccountSnapshot(account)).positions;
    expect(position?.quantity.toFixed()).toBe("0.01");
  });

  it("reports the status as unknown when the reconciling lookup fails too, and a retry cannot place twice", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    exchange.injectFault({ kind: "server-error-after-accept" }, { operation: "placeOrder" });
    exchange.injectFault({ kind: "timeout" }, { operation: "getOrder" });
    const failure = exchange.placeOrder(account, buy("o-3"));
    await expect(failure).rejects.toBeInstanceOf(ExchangeOrderStatusUnknownError);
    await expect(failure).rejects.toMatchObject({ clientOrderId: "o-3" });
    await expect(exchange.placeOrder(account, buy("o-3"))).rejects.toBeInstanceOf(ExchangeRejectedError);
    const [position] = (await exchange.getAccountSnapshot(account)).positions;
    expect(position?.quantity.toFixed()).toBe("0.01");
  });

  it("applies a 5xx after accept to a cancel: the orders are cancelled though the answer is lost", async () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    await exchange.placeOrder(account, { ...buy("limit-1"), type: "LIMIT", price: new Decimal("60000") });
    exchange.injectFault({ kind: "server-error-after-accept" }, { operation: "cancelOrders" });
    await expect(
      exchange.cancelOrders(account, [{ symbol: "BTCUSDT", clientOrderId: "limit-1" }]),
    ).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect((await exchange.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "limit-1" }))?.status).toBe(
      "CANCELED",
    );
  });

  it("rejects a nonsense fault count", () => {
    exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
    expect(() => exchange.injectFault({ kind: "timeout" }, { times: 0 })).toThrow(/times/);
  });
});
