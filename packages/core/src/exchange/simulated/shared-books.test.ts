import Decimal from "decimal.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AccountEvent, PlaceOrderRequest } from "../gateway.ts";
import { createPrismaBookStore } from "./book-store.ts";
import { createSimulatedExchange, type SimulatedExchange } from "./simulated-exchange.ts";
import { openTwoClients, type TwoClients } from "./test-databases.ts";

// Two server instances on one database: each its own SimulatedExchange on its own Prisma client
// (on PGlite, which one process opens once, the two share the client).
let clients: TwoClients;
beforeAll(async () => {
  clients = await openTwoClients();
});
afterAll(() => clients?.close());

const opened: SimulatedExchange[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((exchange) => exchange.close()));
});
type Options = Parameters<typeof createSimulatedExchange>[0];
function instance(client: "first" | "second", options: Options = {}, on: TwoClients = clients) {
  const exchange = createSimulatedExchange({
    latencyMs: 0,
    priceTickMs: 0,
    persistMarkPrices: true,
    store: createPrismaBookStore(on[client]),
    ...options,
  });
  opened.push(exchange);
  return exchange;
}

let accounts = 0;
/** Each test trades on an account of its own (the market row is shared by the whole file). */
const newAccount = () => ({ id: `shared-${++accounts}` });
const order = (overrides: Partial<PlaceOrderRequest> & { clientOrderId: string }): PlaceOrderRequest => ({
  symbol: "BTCUSDT",
  side: "BUY",
  type: "MARKET",
  quantity: new Decimal("0.01"),
  ...overrides,
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const orderEvents = (events: AccountEvent[]) =>
  events
    .flatMap((event) =>
      event.type === "order" ? [`${event.order.clientOrderId} ${event.order.status}`] : [],
    )
    .sort();

describe("two simulated exchanges on one database", () => {
  it("lose no change when both place and cancel on one account at once", async () => {
    const account = newAccount();
    const a = instance("first");
    const b = instance("second");
    const heardByA: AccountEvent[] = [];
    const heardByB: AccountEvent[] = [];
    a.subscribeAccountEvents(account, (event) => heardByA.push(event));
    b.subscribeAccountEvents(account, (event) => heardByB.push(event));
    await a.setMarkPrice("BTCUSDT", "65000");

    // Resting limit orders far from the mark (they never fill), 10 through each instance at once.
    const resting = (prefix: string, side: "BUY" | "SELL", price: string) =>
      range(10).map((i) =>
        order({ clientOrderId: `${prefix}-${i}`, side, type: "LIMIT", price: new Decimal(price) }),
      );
    const restingA = resting("a-l", "BUY", "50000");
    const restingB = resting("b-l", "SELL", "80000");
    await Promise.all([
      ...restingA.map((request) => a.placeOrder(account, request)),
      ...restingB.map((request) => b.placeOrder(account, request)),
    ]);

    // Then at once: 10 market orders through each, each cancelling the other's resting orders,
    // and the mark moving under them through both, so the fills realize profits and losses.
    const refs = (requests: PlaceOrderRequest[]) =>
      requests.map(({ symbol, clientOrderId }) => ({ symbol, clientOrderId }));
    const [fillsA, fillsB, cancelledByA, cancelledByB] = await Promise.all([
      Promise.all(range(10).map((i) => a.placeOrder(account, order({ clientOrderId: `a-m-${i}` })))),
      Promise.all(
        range(10).map((i) =>
          b.placeOrder(
            account,
            order({ clientOrderId: `b-m-${i}`, side: "SELL", quantity: new Decimal("0.005") }),
          ),
        ),
      ),
      a.cancelOrders(account, refs(restingB)),
      b.cancelOrders(account, refs(restingA.slice(0, 5))),
      ...["65100", "64900", "65300", "64700"].map((price, i) =>
        (i % 2 === 0 ? a : b).setMarkPrice("BTCUSDT", price),
      ),
    ]);
    const fills = [...fillsA, ...fillsB];
    expect(fills.map((fill) => fill.status)).toEqual(Array(20).fill("FILLED"));
    expect([...cancelledByA, ...cancelledByB].filter((cancel) => cancel.cancelled)).toHaveLength(15);

    // Read through a third instance, as a restarted server would.
    const reader = instance("first");
    const stored = await Promise.all(
      [...restingA, ...restingB, ...fills].map(({ clientOrderId }) =>
        reader.getOrder(account, { symbol: "BTCUSDT", clientOrderId }),
      ),
    );
    // 40 orders, each with an id of its own: no two changes started from the same book
    expect(new Set(stored.map((found) => found?.exchangeOrderId)).size).toBe(40);
    expect(stored.map((found) => `${found?.clientOrderId} ${found?.status}`)).toEqual([
      ...range(5).map((i) => `a-l-${i} CANCELED`),
      ...range(5).map((i) => `a-l-${i + 5} NEW`),
      ...range(10).map((i) => `b-l-${i} CANCELED`),
      ...fills.map((fill) => `${fill.clientOrderId} FILLED`),
    ]);
    expect((await reader.openOrders(account)).map((o) => o.clientOrderId).sort()).toEqual(
      range(5).map((i) => `a-l-${i + 5}`),
    );

    // The position is the sum of the fills the callers were told of: 10 x 0.01 bought, 10 x 0.005 sold.
    const snapshot = await reader.getAccountSnapshot(account);
    expect(snapshot.positions.map((p) => [p.side, p.quantity.toFixed()])).toEqual([["LONG", "0.05"]]);
    // Every fill is in the trade history once, as told, and the wallet holds exactly their PnL.
    const trades = await reader.getTrades(account, { symbol: "BTCUSDT", startTime: 0 });
    expect(
      trades.map((t) => `${t.exchangeOrderId} ${t.quantity.toFixed()} ${t.price.toFixed()}`).sort(),
    ).toEqual(
      fills
        .map((f) => `${f.exchangeOrderId} ${f.filledQuantity.toFixed()} ${f.averagePrice?.toFixed()}`)
        .sort(),
    );
    const realized = trades.reduce((sum, trade) => sum.plus(trade.realizedPnl), new Decimal(0));
    const usdt = snapshot.balances.find((balance) => balance.asset === "USDT");
    expect(usdt?.walletBalance.toFixed()).toBe(new Decimal("100000").plus(realized).toFixed());

    // Each instance told its own listeners of the changes it made, and only of those.
    expect(orderEvents(heardByA)).toEqual(
      [
        ...range(10).map((i) => `a-l-${i} NEW`),
        ...range(10).map((i) => `a-m-${i} FILLED`),
        ...range(10).map((i) => `b-l-${i} CANCELED`),
      ].sort(),
    );
    expect(orderEvents(heardByB)).toEqual(
      [
        ...range(5).map((i) => `a-l-${i} CANCELED`),
        ...range(10).map((i) => `b-l-${i} NEW`),
        ...range(10).map((i) => `b-m-${i} FILLED`),
      ].sort(),
    );
  });

  it("see each other's changes at once: a position one closes stays closed for the other", async () => {
    const account = newAccount();
    const a = instance("first");
    const b = instance("second");
    await a.setMarkPrice("BTCUSDT", "65000");
    await a.placeOrder(account, order({ clientOrderId: "entry", quantity: new Decimal("0.2") }));
    await a.placeOrder(
      account,
      order({
        clientOrderId: "sl",
        side: "SELL",
        type: "STOP_MARKET",
        quantity: new Decimal("0.2"),
        triggerPrice: new Decimal("60000"),
        reduceOnly: true,
      }),
    );
    expect((await b.openOrders(account)).map((o) => o.clientOrderId)).toEqual(["sl"]);

    await b.placeOrder(
      account,
      order({ clientOrderId: "close", side: "SELL", quantity: new Decimal("0.2"), reduceOnly: true }),
    );
    expect((await a.getAccountSnapshot(account)).positions).toEqual([]);
    expect((await a.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "sl" }))?.status).toBe("CANCELED");
    // a's next order acts on the book b changed, not on a copy of its own
    await a.placeOrder(account, order({ clientOrderId: "again" }));
    expect((await b.getAccountSnapshot(account)).positions.map((p) => p.quantity.toFixed())).toEqual([
      "0.01",
    ]);
  });

  it("share the market: a price moved through one fills, at that price, an order the other placed", async () => {
    const account = newAccount();
    const a = instance("first");
    await a.setMarkPrice("ETHUSDT", "3400");
    await a.placeOrder(
      account,
      order({ clientOrderId: "long", symbol: "ETHUSDT", quantity: new Decimal("1") }),
    );
    await a.placeOrder(
      account,
      order({
        clientOrderId: "eth-sl",
        symbol: "ETHUSDT",
        side: "SELL",
        type: "STOP_MARKET",
        quantity: new Decimal("1"),
        triggerPrice: new Decimal("3300"),
        reduceOnly: true,
      }),
    );

    // b has never seen this account: it finds the book among the stored books with open orders.
    const b = instance("second");
    await b.setMarkPrice("ETHUSDT", "3290");
    expect((await a.getMarkPrices(["ETHUSDT"])).get("ETHUSDT")?.toFixed()).toBe("3290");
    const stop = await a.getOrder(account, { symbol: "ETHUSDT", clientOrderId: "eth-sl" });
    expect([stop?.status, stop?.averagePrice?.toFixed()]).toEqual(["FILLED", "3290"]);
    expect((await a.getAccountSnapshot(account)).positions).toEqual([]);

    // The walk is one walk: a step through b continues from where a left it.
    await a.tick();
    const afterA = (await b.getMarkPrices(["BTCUSDT"])).get("BTCUSDT")?.toFixed();
    await b.tick();
    expect((await a.getMarkPrices(["BTCUSDT"])).get("BTCUSDT")?.toFixed()).not.toBe(afterA);
  });

  it("bootstrap a new book once, from an initialBook that reads the same database", async () => {
    const account = newAccount();
    const a = instance("first", {
      initialBook: async () => {
        // what the server's loadInitialBook does: a query of its own, not in the store's transaction
        await clients.first.$queryRaw`SELECT 1`;
        return { balances: [{ asset: "USDT", walletBalance: "1234" }], positions: [], triggerOrders: [] };
      },
    });
    const b = instance("second", { initialBook: async () => null });
    const wallet = async (exchange: SimulatedExchange) =>
      (await exchange.getAccountSnapshot(account)).balances.map((x) => x.walletBalance.toFixed());
    expect(await wallet(a)).toEqual(["1234"]);
    expect(await wallet(b)).toEqual(["1234"]);
  });
});

describe("restarting on the same database", () => {
  // A database of its own: the walk is compared with an instance that never stopped.
  let restartClients: TwoClients;
  beforeAll(async () => {
    restartClients = await openTwoClients();
  });
  afterAll(() => restartClients?.close());

  it("loses nothing: the books, the market and the walk carry on", async () => {
    const account = newAccount();
    const first = instance("first", { seed: 11 }, restartClients);
    await first.setMarkPrice("BTCUSDT", "65000");
    await first.placeOrder(account, order({ clientOrderId: "entry", quantity: new Decimal("0.3") }));
    await first.tick();
    await first.placeOrder(
      account,
      order({ clientOrderId: "part", side: "SELL", quantity: new Decimal("0.1"), reduceOnly: true }),
    );
    await first.placeOrder(
      account,
      order({
        clientOrderId: "tp",
        side: "SELL",
        type: "LIMIT",
        price: new Decimal("90000"),
        reduceOnly: true,
      }),
    );
    await first.tick();
    const view = async (exchange: SimulatedExchange) => ({
      snapshot: { ...(await exchange.getAccountSnapshot(account)), asOf: 0 },
      open: await exchange.openOrders(account),
      trades: await exchange.getTrades(account, { symbol: "BTCUSDT", startTime: 0 }),
      marks: await exchange.getMarkPrices([...exchange.symbols]),
    });
    const before = await view(first);
    await first.close();

    // another process, other defaults: the stored market wins over its seed and symbols
    const second = instance(
      "second",
      { seed: 99, symbols: { BTCUSDT: "1000", ETHUSDT: "10" } },
      restartClients,
    );
    const after = await view(second);
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.open).toEqual(before.open);
    expect(after.trades).toEqual(before.trades);
    expect(after.marks.get("BTCUSDT")).toEqual(before.marks.get("BTCUSDT"));
    expect(before.trades.map((t) => t.realizedPnl.isZero())).toEqual([true, false]);

    // the walk continues exactly: the same step as an instance that never stopped
    const uninterrupted = instance("first", { seed: 11, persistMarkPrices: false }, restartClients);
    await uninterrupted.setMarkPrice("BTCUSDT", "65000");
    for (let i = 0; i < 3; i++) await uninterrupted.tick();
    await second.tick();
    expect((await second.getMarkPrices(["BTCUSDT"])).get("BTCUSDT")).toEqual(
      (await uninterrupted.getMarkPrices(["BTCUSDT"])).get("BTCUSDT"),
    );
    // what second does not list, its step left as it was stored
    const third = instance("first", {}, restartClients);
    expect((await third.getMarkPrices(["SOLUSDT"])).get("SOLUSDT")).toEqual(before.marks.get("SOLUSDT"));
    expect((await third.getMarkPrices(["SOLUSDT"])).get("SOLUSDT")?.toFixed()).not.toBe("150");
  });
});
