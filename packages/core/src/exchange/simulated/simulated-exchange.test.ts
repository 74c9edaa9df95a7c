import Decimal from "decimal.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExchangeRejectedError } from "../errors.ts";
import type { AccountEvent, PlaceOrderRequest } from "../gateway.ts";
import type { InitialBook } from "./book.ts";
import { createMemoryBookStore, type SimulatedBookStore } from "./book-store.ts";
import {
  createSimulatedExchange,
  type SimulatedExchange,
  type SimulatedTimers,
} from "./simulated-exchange.ts";

const account = { id: "acc-sim" };
const request = (overrides: Partial<PlaceOrderRequest> & { clientOrderId: string }): PlaceOrderRequest => ({
  symbol: "BTCUSDT",
  side: "BUY",
  type: "MARKET",
  quantity: new Decimal("0.1"),
  ...overrides,
});
const stopLoss = (clientOrderId: string, triggerPrice: string, quantity = "0.1") =>
  request({
    clientOrderId,
    side: "SELL",
    type: "STOP_MARKET",
    quantity: new Decimal(quantity),
    triggerPrice: new Decimal(triggerPrice),
    reduceOnly: true,
  });
const statusOf = async (exchange: SimulatedExchange, clientOrderId: string, symbol = "BTCUSDT") =>
  (await exchange.getOrder(account, { symbol, clientOrderId }))?.status;

/** A memory store whose writes fail with `failure()` while it returns a message: nothing is written. */
function failingWrites(failure: () => string | false): SimulatedBookStore {
  const memory = createMemoryBookStore();
  return {
    read: (keys) => memory.read(keys),
    accountsWithOpenOrders: () => memory.accountsWithOpenOrders(),
    update: (key, change, options) =>
      memory.update(
        key,
        async (stored, also) => {
          const outcome = await change(stored, also);
          const message = failure();
          if (outcome.state !== undefined && message) throw new Error(message);
          return outcome;
        },
        options,
      ),
  };
}

const opened: SimulatedExchange[] = [];
function open(options: Parameters<typeof createSimulatedExchange>[0] = {}) {
  const exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, ...options });
  opened.push(exchange);
  return exchange;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((exchange) => exchange.close()));
  vi.useRealTimers();
});

describe("the simulated exchange's books", () => {
  it("fires a stop-loss from its own price feed, without any user action", async () => {
    const exchange = open({ seed: 42 });
    const events: AccountEvent[] = [];
    exchange.subscribeAccountEvents(account, (event) => events.push(event));
    await exchange.placeOrder(account, request({ clientOrderId: "entry" }));
    // just under the mark: the random walk crosses it within a few steps either way
    await exchange.placeOrder(account, stopLoss("sl", "64990"));
    for (let i = 0; i < 500 && !events.some((e) => e.type === "protective-triggered"); i++)
      await exchange.tick();

    const fired = events.find((e) => e.type === "protective-triggered");
    expect(fired?.type === "protective-triggered" && fired.order.clientOrderId).toBe("sl");
    const types = events.slice(events.indexOf(fired!)).map((e) => e.type);
    expect(types).toEqual(["protective-triggered", "position", "balance"]);
    expect((await exchange.getAccountSnapshot(account)).positions).toEqual([]);
  });

  it("cancels a position's stop-loss and take-profit when the trader closes it", async () => {
    const exchange = open();
    await exchange.placeOrder(account, request({ clientOrderId: "entry" }));
    await exchange.placeOrder(account, stopLoss("sl", "60000"));
    await exchange.placeOrder(
      account,
      request({
        clientOrderId: "tp",
        side: "SELL",
        type: "TAKE_PROFIT_MARKET",
        triggerPrice: new Decimal("70000"),
        reduceOnly: true,
      }),
    );
    await exchange.placeOrder(account, request({ clientOrderId: "close", side: "SELL", reduceOnly: true }));
    expect([await statusOf(exchange, "sl"), await statusOf(exchange, "tp")]).toEqual([
      "CANCELED",
      "CANCELED",
    ]);
    expect(await exchange.openOrders(account)).toEqual([]);
  });

  it("keeps the stop-loss of a partly closed position and closes only what is left when it fires", async () => {
    const exchange = open();
    await exchange.placeOrder(account, request({ clientOrderId: "entry", quantity: new Decimal("0.3") }));
    await exchange.placeOrder(account, stopLoss("sl", "64000", "0.3"));
    await exchange.placeOrder(
      account,
      request({ clientOrderId: "part", side: "SELL", quantity: new Decimal("0.2"), reduceOnly: true }),
    );
    expect(await statusOf(exchange, "sl")).toBe("NEW");
    await exchange.setMarkPrice("BTCUSDT", "63000");
    const stop = await exchange.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "sl" });
    expect([stop?.status, stop?.filledQuantity.toFixed()]).toEqual(["FILLED", "0.1"]);
    const usdt = (await exchange.getAccountSnapshot(account)).balances.find((b) => b.asset === "USDT");
    expect(usdt?.walletBalance.toFixed()).toBe("99800"); // 0.1 x (63000 - 65000)
  });

  it("flips a position with a larger opposite order and realizes the closed part", async () => {
    const exchange = open();
    await exchange.placeOrder(account, request({ clientOrderId: "long", quantity: new Decimal("0.1") }));
    await exchange.setMarkPrice("BTCUSDT", "66000");
    await exchange.placeOrder(
      account,
      request({ clientOrderId: "flip", side: "SELL", quantity: new Decimal("0.3") }),
    );
    const snapshot = await exchange.getAccountSnapshot(account);
    expect(snapshot.positions.map((p) => [p.side, p.quantity.toFixed(), p.entryPrice.toFixed()])).toEqual([
      ["SHORT", "0.2", "66000"],
    ]);
    expect(snapshot.balances.find((b) => b.asset === "USDT")?.walletBalance.toFixed()).toBe("100100");
  });

  it("rejects an order the margin cannot carry", async () => {
    const exchange = open({ startingBalance: "1000" });
    // 1 BTC at 65000 with leverage 20 needs 3250 USDT of margin
    await expect(
      exchange.placeOrder(account, request({ clientOrderId: "big", quantity: new Decimal("1") })),
    ).rejects.toThrow(/margin is insufficient/);
    await expect(
      exchange.placeOrder(account, request({ clientOrderId: "small", quantity: new Decimal("0.3") })),
    ).resolves.toMatchObject({ status: "FILLED" });
  });

  it("fills a marketable limit order at once, at the (better) mark price", async () => {
    const exchange = open();
    const order = await exchange.placeOrder(
      account,
      request({ clientOrderId: "limit", type: "LIMIT", price: new Decimal("66000") }),
    );
    expect([order.status, order.averagePrice?.toFixed()]).toEqual(["FILLED", "65000"]);
  });

  it("fills a resting limit order part by part at its price, then the rest when the market crosses it", async () => {
    const exchange = open();
    const events: AccountEvent[] = [];
    exchange.subscribeAccountEvents(account, (event) => events.push(event));
    const rest = request({
      clientOrderId: "rest",
      type: "LIMIT",
      quantity: new Decimal("0.5"),
      price: new Decimal("64000"),
    });
    await exchange.placeOrder(account, rest);
    await exchange.fillRestingOrder(account, rest, "0.2");
    const resting = await exchange.getOpenOrders(account);
    expect(resting.map((o) => [o.status, o.filledQuantity.toFixed(), o.averagePrice?.toFixed()])).toEqual([
      ["PARTIALLY_FILLED", "0.2", "64000"],
    ]);
    await expect(exchange.fillRestingOrder(account, rest, "0.4")).rejects.toThrow(/not within the 0.3 left/);

    await exchange.setMarkPrice("BTCUSDT", "63900");
    const orderUpdates = events.flatMap((e) =>
      e.type === "order" ? [`${e.order.status} ${e.order.filledQuantity.toFixed()}`] : [],
    );
    expect(orderUpdates).toEqual(["NEW 0", "PARTIALLY_FILLED 0.2", "FILLED 0.5"]);
    const [position] = (await exchange.getAccountSnapshot(account)).positions;
    expect([position?.quantity.toFixed(), position?.entryPrice.toFixed()]).toEqual(["0.5", "64000"]);
    await expect(exchange.fillRestingOrder(account, rest, "0.1")).rejects.toThrow(/no resting LIMIT order/);
  });

  it("bootstraps a new account's book once from initialBook (positions, balances, protective orders)", async () => {
    const initial: InitialBook = {
      balances: [{ asset: "USDT", walletBalance: "2500.5" }],
      positions: [{ symbol: "ETHUSDT", side: "SHORT", quantity: "2", entryPrice: "3500", leverage: 5 }],
      triggerOrders: [
        {
          clientOrderId: "seed-sl",
          symbol: "ETHUSDT",
          side: "BUY",
          type: "STOP_MARKET",
          quantity: "2",
          triggerPrice: "3600",
        },
      ],
    };
    const initialBook = vi.fn(async () => initial);
    const store = createMemoryBookStore();
    const exchange = open({ store, initialBook });
    const snapshot = await exchange.getAccountSnapshot(account);
    expect(snapshot.positions).toMatchObject([{ symbol: "ETHUSDT", side: "SHORT", leverage: 5 }]);
    expect(snapshot.balances.find((b) => b.asset === "USDT")?.walletBalance.toFixed()).toBe("2500.5");
    // short 2 at 3500, mark 3400: +200 unrealized, minus 3400 x 2 / 5 of margin
    expect(snapshot.balances.find((b) => b.asset === "USDT")?.availableBalance.toFixed()).toBe("1340.5");

    await exchange.setMarkPrice("ETHUSDT", "3600");
    expect(await statusOf(exchange, "seed-sl", "ETHUSDT")).toBe("FILLED");
    await exchange.close();
    const restarted = open({ store, initialBook });
    expect((await restarted.getAccountSnapshot(account)).positions).toEqual([]);
    expect(initialBook).toHaveBeenCalledTimes(1);
  });

  it("fills what the market crossed while a stored book was not loaded", async () => {
    const store = createMemoryBookStore();
    const first = open({ store });
    await first.placeOrder(account, request({ clientOrderId: "entry" }));
    await first.placeOrder(account, stopLoss("sl", "64500"));
    await first.close();

    const events: AccountEvent[] = [];
    const second = open({ store, symbols: { BTCUSDT: "64000" } });
    second.subscribeAccountEvents(account, (event) => events.push(event));
    // queued behind the load that subscribing started
    await second.getAccountSnapshot(account);
    expect(events.map((e) => e.type)).toContain("protective-triggered");
    expect(await statusOf(second, "sl")).toBe("FILLED");
  });

  it("expires a reduce-only order that has nothing left to reduce when it fires", async () => {
    const exchange = open();
    await exchange.placeOrder(account, request({ clientOrderId: "entry" }));
    await exchange.placeOrder(
      account,
      request({
        clientOrderId: "tp-limit",
        side: "SELL",
        type: "LIMIT",
        price: new Decimal("66000"),
        reduceOnly: true,
      }),
    );
    await exchange.placeOrder(account, request({ clientOrderId: "close", side: "SELL", reduceOnly: true }));
    await exchange.setMarkPrice("BTCUSDT", "66500");
    expect(await statusOf(exchange, "tp-limit")).toBe("EXPIRED");
    expect((await exchange.getAccountSnapshot(account)).positions).toEqual([]);
  });

  it("keeps trading when a listener throws, and reports the error", async () => {
    const onBackgroundError = vi.fn();
    const exchange = open({ onBackgroundError });
    exchange.subscribeAccountEvents(account, () => {
      throw new Error("listener bug");
    });
    await expect(exchange.placeOrder(account, request({ clientOrderId: "entry" }))).resolves.toMatchObject({
      status: "FILLED",
    });
    expect(onBackgroundError).toHaveBeenCalledWith(expect.objectContaining({ message: "listener bug" }));
  });

  it("forgets a change the store could not save, so memory never runs ahead of the store", async () => {
    let failSaves = false;
    const store = failingWrites(() => failSaves && "disk full");
    const exchange = open({ store });
    await exchange.getAccountSnapshot(account);
    failSaves = true;
    await expect(exchange.placeOrder(account, request({ clientOrderId: "lost" }))).rejects.toThrow(
      /disk full/,
    );
    failSaves = false;
    expect((await exchange.getAccountSnapshot(account)).positions).toEqual([]);
    expect(await statusOf(exchange, "lost")).toBeUndefined();
  });

  it("keeps a book's stop-loss following the market after a failed save made it forget the book", async () => {
    let failSaves = false;
    const store = failingWrites(() => failSaves && "database restarting");
    const exchange = open({ store });
    const events: AccountEvent[] = [];
    exchange.subscribeAccountEvents(account, (event) => events.push(event));
    await exchange.placeOrder(account, request({ clientOrderId: "entry" }));
    await exchange.placeOrder(account, stopLoss("sl", "64000"));

    failSaves = true;
    await expect(exchange.setMarkPrice("BTCUSDT", "63900")).rejects.toThrow(/database restarting/);
    expect(events.some((e) => e.type === "protective-triggered")).toBe(false);

    failSaves = false;
    // No call for this account in between: the market alone must fire the stop-loss.
    await exchange.setMarkPrice("BTCUSDT", "63800");
    const fired = events.find((e) => e.type === "protective-triggered");
    expect(fired?.type === "protective-triggered" && fired.order.averagePrice?.toFixed()).toBe("63800");
  });

  it("keeps the fills the market crossed before a call it rejects", async () => {
    const store = createMemoryBookStore();
    const first = open({ store });
    await first.placeOrder(account, request({ clientOrderId: "entry" }));
    await first.placeOrder(account, stopLoss("sl", "64500"));
    await first.close();

    // restarted on lower prices; the first call is refused (duplicate clientOrderId)
    const second = open({ store, symbols: { BTCUSDT: "64000" } });
    await expect(second.placeOrder(account, request({ clientOrderId: "entry" }))).rejects.toThrow(
      /duplicated/,
    );
    const stored = (await store.read([account.id])).get(account.id) as { orders: { status: string }[] };
    expect(stored.orders.map((o) => o.status)).toEqual(["FILLED", "FILLED"]);
  });

  it("serves one account's calls in arrival order", async () => {
    const exchange = open();
    const results = await Promise.all([
      exchange.placeOrder(account, request({ clientOrderId: "a" })),
      exchange.placeOrder(account, request({ clientOrderId: "b" })),
      exchange.placeOrder(
        account,
        request({ clientOrderId: "c", side: "SELL", quantity: new Decimal("0.2"), reduceOnly: true }),
      ),
    ]);
    expect(results.map((o) => o.exchangeOrderId)).toEqual(["1", "2", "3"]);
    expect((await exchange.getAccountSnapshot(account)).positions).toEqual([]);
  });
});

// The walk itself and close() stopping it: request-weight.test.ts ("walks the prices every priceTickMs").
describe("the simulated exchange's price walk timer", () => {
  it("never keeps the process alive: the walk's timer is unref'd", async () => {
    const handles: NodeJS.Timeout[] = [];
    const exchange = open({
      priceTickMs: 60_000,
      timers: {
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
        setInterval: (callback, ms) => {
          const handle = setInterval(callback, ms);
          handles.push(handle);
          return handle;
        },
        clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
        now: () => Date.now(),
      },
    });
    expect(handles).toHaveLength(1);
    expect(handles[0]?.hasRef()).toBe(false);
    await exchange.close();
  });
});

describe("the shared walk (persistMarkPrices)", () => {
  it("steps once a tick however many instances on the store run the timer", async () => {
    const store = createMemoryBookStore();
    let now = 1_000_000;
    const walks: (() => void)[] = [];
    const timers: SimulatedTimers = {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      setInterval: (callback) => walks.push(callback),
      clearInterval: () => {},
      now: () => now,
    };
    // Two server instances whose timers fire at the same moment, one tick apart.
    for (let tick = 0; tick < 2; tick++) {
      const instances = [1, 2].map(() =>
        open({ store, persistMarkPrices: true, priceTickMs: 1000, timers, seed: 3 }),
      );
      for (const walk of walks.splice(0)) walk();
      // close() waits for the steps in flight
      await Promise.all(instances.map((exchange) => exchange.close()));
      now += 1000;
    }
    const reference = open({ seed: 3 });
    await reference.tick();
    await reference.tick();
    const reader = open({ store, persistMarkPrices: true });
    const marks = async (exchange: SimulatedExchange) => exchange.getMarkPrices([...exchange.symbols]);
    expect(await marks(reader)).toEqual(await marks(reference));
  });
});

describe("closing the simulated exchange", () => {
  it("refuses a call still on its way in when close() ran, and acts on nothing after", async () => {
    vi.useFakeTimers();
    const store = createMemoryBookStore();
    const exchange = open({ latencyMs: 120, store });
    await vi.advanceTimersByTimeAsync(0);
    const placing = exchange.placeOrder(account, request({ clientOrderId: "late" }));
    const refused = expect(placing).rejects.toThrow(/closed/);
    await exchange.close();
    await vi.advanceTimersByTimeAsync(120);
    await refused;
    vi.useRealTimers();
    const reopened = open({ store });
    expect((await reopened.getAccountSnapshot(account)).positions).toEqual([]);
  });
});

describe("the simulated exchange's order history", () => {
  it("keeps open orders and the latest finished ones, forgetting the oldest finished", async () => {
    const exchange = open({ finishedOrdersKept: 3 });
    await exchange.placeOrder(
      account,
      request({
        clientOrderId: "resting",
        type: "LIMIT",
        price: new Decimal("1000"),
        quantity: new Decimal("0.01"), // 10 USDT: over the 5 USDT minimum
      }),
    );
    for (let i = 0; i < 4; i++) {
      await exchange.placeOrder(
        account,
        request({ clientOrderId: `m-${i}`, quantity: new Decimal("0.001") }),
      );
    }
    expect(await statusOf(exchange, "m-0")).toBeUndefined();
    expect(await statusOf(exchange, "m-1")).toBe("FILLED");
    expect(await statusOf(exchange, "resting")).toBe("NEW");
  });
});

describe("the simulated exchange's filters", () => {
  it("refuses what Binance's filters refuse, and publishes the same rules", async () => {
    const exchange = open();
    const refusal = (overrides: Parameters<typeof request>[0]) =>
      exchange
        .placeOrder(account, request(overrides))
        .catch((error: ExchangeRejectedError) => [error.code, error.message]);
    expect(await refusal({ clientOrderId: "step", quantity: new Decimal("0.0001") })).toEqual([
      -1013,
      "quantity: Filter failure: MARKET_LOT_SIZE (step 0.001, min 0.001, max 120)",
    ]);
    expect(
      await refusal({
        clientOrderId: "tick",
        type: "LIMIT",
        price: new Decimal("60000.05"),
        quantity: new Decimal("0.01"),
      }),
    ).toEqual([-4014, "price: Price not increased by tick size (0.1)."]);
    expect(
      await refusal({
        clientOrderId: "small",
        type: "LIMIT",
        price: new Decimal("1000"),
        quantity: new Decimal("0.001"),
      }),
    ).toEqual([
      -4164,
      "quantity: Order's notional must be no smaller than 5 (unless you choose reduce only)",
    ]);
    const rules = await exchange.getExchangeRules();
    expect(rules.symbols.find((s) => s.symbol === "BTCUSDT")).toMatchObject({
      status: "TRADING",
      baseAsset: "BTC",
      quoteAsset: "USDT",
    });
    expect(exchange.stats().calls.getExchangeRules).toBe(1);
  });
});
