import { randomUUID } from "node:crypto";
import type { DeskEvent } from "@tradedesk/core";
import { isTrackedEnvelope } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContext } from "../src/context.ts";
import { createCaller } from "../src/router.ts";
import { type ApiFixture, createApiFixture, JWT_SECRET } from "./testing/api-fixture.ts";

describe("a trader's session, through the API", () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await createApiFixture();
  });
  afterAll(() => f.close());

  /** dashboard.events for a signed-in token, in process; `next()` unwraps each tracked event. */
  async function eventsOf(token: string) {
    const controller = new AbortController();
    const streaming = createCaller(
      await createContext({ desk: f.desk, jwtSecret: JWT_SECRET, authorization: `Bearer ${token}` }),
      { signal: controller.signal },
    );
    const stream = (await streaming.dashboard.events())[Symbol.asyncIterator]();
    const next = async (): Promise<DeskEvent> => {
      const envelope: unknown = (await stream.next()).value;
      if (!isTrackedEnvelope<DeskEvent>(envelope)) throw new Error("expected a tracked event");
      return envelope[1];
    };
    return { controller, stream, next };
  }

  it("logs in, reads balances (cached within the TTL), trades, and sees every change at once", async () => {
    const { api, accountId, user, email } = await f.signedInTrader();
    expect(user).toMatchObject({ email, role: "TRADER" });
    expect(await api.auth.me()).toEqual(user);
    expect(await api.accounts.list()).toEqual([
      { id: accountId, exchange: "SIMULATED", label: "Simulated", testnet: false },
    ]);
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    const metrics0 = await api.cache.metrics();

    const first = await api.dashboard.balances();
    expect(first).toMatchObject({ fromCache: false, stale: false });
    expect(first.data.positions).toEqual([]);
    f.advance(1_000);
    const second = await api.dashboard.balances();
    expect(second).toMatchObject({ fromCache: true, asOf: first.asOf, ageMs: 1_000 });

    const created = await api.orders.create({
      accountId,
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.1",
      stopLoss: "60000",
      takeProfit: "70000",
      leverage: 10,
    });
    expect(created).toMatchObject({ created: true, order: { status: "FILLED", averagePrice: "65000" } });
    const positionId = created.position!.id;

    const afterCreate = await api.dashboard.balances();
    expect(afterCreate.fromCache).toBe(false);
    expect(afterCreate.data.positions).toEqual([
      expect.objectContaining({
        id: positionId,
        quantity: "0.1",
        stopLoss: expect.objectContaining({ triggerPrice: "60000" }),
        takeProfit: expect.objectContaining({ triggerPrice: "70000" }),
      }),
    ]);

    const modified = await api.positions.modifySlTp({ positionId, stopLoss: "62000.5", takeProfit: null });
    expect(modified).toMatchObject({ stopLoss: { triggerPrice: "62000.5" }, takeProfit: null });
    const afterModify = await api.dashboard.balances();
    expect(afterModify.fromCache).toBe(false);
    expect(afterModify.data.positions[0]).toMatchObject({
      stopLoss: { triggerPrice: "62000.5" },
      takeProfit: null,
    });

    await f.exchange.setMarkPrice("BTCUSDT", "66000");
    const closed = await api.positions.close({ positionId });
    expect(closed).toMatchObject({ closed: true, position: { status: "CLOSED", realizedPnl: "100" } });
    const afterClose = await api.dashboard.balances();
    expect(afterClose.fromCache).toBe(false);
    expect(afterClose.data.positions).toEqual([]);
    expect(afterClose.data.totals.walletBalance).toBe("100100");

    const orders = await api.orders.list();
    expect(orders.items.map((o) => o.role).sort()).toEqual([
      "ENTRY",
      "EXIT",
      "STOP_LOSS",
      "STOP_LOSS",
      "TAKE_PROFIT",
    ]);

    // 5 balances reads: 1 hit, 4 misses (first, after create, after modify, after close); 3 mutations invalidated.
    const metrics = await api.cache.metrics();
    expect(metrics.totalRequests - metrics0.totalRequests).toBe(5);
    expect(metrics.hits - metrics0.hits).toBe(1);
    expect(metrics.misses - metrics0.misses).toBe(4);
    expect(metrics.invalidations - metrics0.invalidations).toBeGreaterThanOrEqual(3);
    expect(metrics.scope).toBe("user"); // a trader's own figures (the server's need ADMIN)
  });

  it("invalidates the caller's own entries on request", async () => {
    const { api } = await f.signedInTrader();
    await api.dashboard.balances();
    expect(await api.cache.invalidate({ dataType: "balances_summary" })).toEqual({ invalidated: 1 });
    expect(await api.cache.invalidate()).toEqual({ invalidated: 0 });
    expect((await api.dashboard.balances()).fromCache).toBe(false);
  });

  it("returns the first order for a repeated clientOrderId, without a second exchange call", async () => {
    const { api, accountId } = await f.signedInTrader();
    const input = {
      accountId,
      clientOrderId: randomUUID(),
      symbol: "ETHUSDT",
      side: "SELL",
      type: "MARKET",
      quantity: "1",
    } as const;
    const first = await api.orders.create(input);
    const placed = f.exchange.stats().calls.placeOrder;
    const again = await api.orders.create(input);
    expect(again).toMatchObject({ created: false, order: first.order });
    expect(f.exchange.stats().calls.placeOrder).toBe(placed);
  });

  it("pushes 'balances changed' and mark prices on dashboard.events, and stops when the client leaves", async () => {
    const { accountId, token } = await f.signedInTrader();
    const controller = new AbortController();
    const api = await f.callerFor(`Bearer ${token}`);
    await api.orders.create({ accountId, symbol: "SOLUSDT", side: "BUY", type: "MARKET", quantity: "3" });
    // The real desk, with the stream's listeners counted.
    let listening = 0;
    const release = (stop: () => void) => () => {
      listening -= 1;
      stop();
    };
    const desk: typeof f.desk = {
      ...f.desk,
      onUserDataChanged(listener) {
        listening += 1;
        return release(f.desk.onUserDataChanged(listener));
      },
      async watchMarkPrices(userId, listener) {
        const watch = await f.desk.watchMarkPrices(userId, listener);
        listening += 1;
        return Object.assign(release(watch), { settled: watch.settled });
      },
    };
    const streaming = createCaller(
      await createContext({ desk, jwtSecret: JWT_SECRET, authorization: `Bearer ${token}` }),
      {
        signal: controller.signal,
      },
    );
    const stream = (await streaming.dashboard.events())[Symbol.asyncIterator]();
    // In-process each event is the tracked envelope ([id, data, marker]) the HTTP adapter sends as {id, data}.
    const events = {
      async next() {
        const result = await stream.next();
        if (result.done) return result;
        const envelope: unknown = result.value;
        if (!isTrackedEnvelope<DeskEvent>(envelope)) throw new Error("expected a tracked event");
        return { done: false, value: envelope[1] };
      },
    };
    // The first event comes once the stream listens: refetch, something may have changed meanwhile.
    expect((await events.next()).value).toEqual({ type: "balances-changed", reason: "subscribed" });
    expect(listening).toBe(2);

    await f.exchange.setMarkPrice("SOLUSDT", "151.25");
    expect((await events.next()).value).toEqual({
      type: "mark-prices",
      prices: { SOLUSDT: "151.25" },
      at: expect.any(String),
    });
    await api.cache.invalidate();
    expect((await events.next()).value).toEqual({ type: "balances-changed", reason: "all data changed" });

    controller.abort();
    expect((await events.next()).done).toBe(true);
    expect(listening).toBe(0);
  });
  it("lists the account's symbols with their steps and minimums, loaded once for every reader", async () => {
    const { api, accountId } = await f.signedInTrader();
    const before = f.exchange.stats().calls.getExchangeRules ?? 0;
    const listed = await api.market.symbols({ accountId });
    await api.market.symbols({ accountId });
    expect(listed.symbols.find((s) => s.symbol === "BTCUSDT")).toEqual({
      symbol: "BTCUSDT",
      baseAsset: "BTC",
      quoteAsset: "USDT",
      tickSize: "0.1",
      stepSize: "0.001",
      minQuantity: "0.001",
      maxQuantity: "1000",
      marketStepSize: "0.001",
      marketMinQuantity: "0.001",
      marketMaxQuantity: "120",
      minNotional: "5",
    });
    expect(listed).toMatchObject({ stale: false, asOf: expect.any(String) });
    expect((f.exchange.stats().calls.getExchangeRules ?? 0) - before).toBeLessThanOrEqual(1);
  });

  it("pushes an exchange event to the dashboard at once, and the read that follows shows it with no exchange call", async () => {
    const { accountId, token } = await f.signedInTrader();
    await f.desk.accountEvents.start(); // the accounts' streams, as the server starts them
    const api = await f.callerFor(`Bearer ${token}`);
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    const opened = await api.orders.create({
      accountId,
      symbol: "SOLUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "10",
      stopLoss: "140",
    });
    await api.dashboard.balances(); // seeds what the streams keep
    await f.desk.accountEvents.idle(); // the order's own events are applied before we listen
    const { controller, next } = await eventsOf(token);
    expect(await next()).toEqual({ type: "balances-changed", reason: "subscribed" });
    f.exchange.resetStats();

    // The market falls through the stop on the exchange: nobody polls; each push is followed by
    // one read, until the reads show what the exchange did (the fill, then the balance event).
    await f.exchange.setMarkPrice("SOLUSDT", "139");
    const shows = (read: Awaited<ReturnType<typeof api.dashboard.balances>>) =>
      !read.data.positions.some((p) => p.id === opened.position?.id) &&
      read.data.accounts[0]?.balances.find((b) => b.asset === "USDT")?.walletBalance === "99890";
    let read: Awaited<ReturnType<typeof api.dashboard.balances>> | undefined;
    for (let pushes = 0; pushes < 10 && !(read && shows(read)); pushes++) {
      let event = await next();
      while (event.type === "mark-prices") event = await next();
      expect(event).toEqual({ type: "balances-changed", reason: expect.stringMatching(/changed/) });
      read = await api.dashboard.balances();
    }
    if (!read) throw new Error("no push arrived");
    expect(read.data.positions.find((p) => p.id === opened.position?.id)).toBeUndefined();
    expect(read.data.accounts[0]?.balances.find((b) => b.asset === "USDT")?.walletBalance).toBe("99890");
    // Balances from the stream, prices from the feed: the exchange was asked for neither.
    expect(f.exchange.stats().calls.getAccountSnapshot).toBeUndefined();
    expect(f.exchange.stats().calls.getMarkPrices).toBeUndefined();
    controller.abort();
    f.desk.accountEvents.stop();
  });

  it("coalesces changes not yet sent on dashboard.events: one refetch for a burst of invalidations", async () => {
    const { accountId, token } = await f.signedInTrader();
    const api = await f.callerFor(`Bearer ${token}`);
    await api.orders.create({ accountId, symbol: "SOLUSDT", side: "BUY", type: "MARKET", quantity: "3" });
    const { controller, stream, next } = await eventsOf(token);
    expect(await next()).toEqual({ type: "balances-changed", reason: "subscribed" });

    // Three invalidations while the client has not read the stream: it hears of them once.
    await api.cache.invalidate();
    await api.cache.invalidate();
    await api.cache.invalidate();
    expect(await next()).toEqual({ type: "balances-changed", reason: "all data changed" });
    // Two price moves unread: the latest price is what arrives, once.
    await f.exchange.setMarkPrice("SOLUSDT", "151.25");
    await f.exchange.setMarkPrice("SOLUSDT", "152.5");
    expect(await next()).toEqual({
      type: "mark-prices",
      prices: { SOLUSDT: "152.5" },
      at: expect.any(String),
    });
    controller.abort();
    expect((await stream.next()).done).toBe(true);
  });
});
