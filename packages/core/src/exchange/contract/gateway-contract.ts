import Decimal from "decimal.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExchangeRejectedError } from "../errors.ts";
import type {
  AccountEvent,
  AssetBalance,
  ExchangeAccountRef,
  ExchangeGateway,
  MarkPriceTick,
  OrderSide,
  PlaceOrderRequest,
} from "../gateway.ts";

/**
 * The behaviour every ExchangeGateway must have, whichever exchange is behind it: the same tests
 * run against the simulated exchange and against the Binance gateway (over the fake Binance server).
 */
export interface GatewayHarness {
  gateway: ExchangeGateway;
  /** An account funded with 100000 USDT, no positions. */
  account: ExchangeAccountRef;
  /** Moves the exchange's mark price (and runs limit/trigger matching), as the market would. */
  setMarkPrice(symbol: string, price: string): Promise<void>;
  /**
   * Optional: resolves once the subscriptions opened so far deliver events (a WebSocket is
   * connected). Gateways that deliver in-process need not provide it.
   */
  subscriptionsReady?(): Promise<void>;
  close(): Promise<void>;
}

/** Symbols in the contract and their starting marks: BTCUSDT 65000, ETHUSDT 3400, SOLUSDT 150. */
export const CONTRACT_SYMBOLS = { BTCUSDT: "65000", ETHUSDT: "3400", SOLUSDT: "150" } as const;

export function describeGatewayContract(name: string, setup: () => Promise<GatewayHarness>): void {
  describe(`${name} honours the exchange gateway contract`, () => {
    let harness: GatewayHarness;
    let gateway: ExchangeGateway;
    let account: ExchangeAccountRef;
    let nextId = 0;
    const id = (label: string) => `${label}-${++nextId}-${Date.now().toString(36)}`;

    const order = (request: Omit<PlaceOrderRequest, "clientOrderId" | "quantity"> & { quantity: string }) =>
      gateway.placeOrder(account, {
        ...request,
        clientOrderId: id("c"),
        quantity: new Decimal(request.quantity),
      });
    const market = (symbol: string, side: OrderSide, quantity: string, reduceOnly = false) =>
      order({ symbol, side, type: "MARKET", quantity, reduceOnly });
    const limitOrder = (symbol: string, side: OrderSide, quantity: string, price: string) =>
      order({ symbol, side, type: "LIMIT", quantity, price: new Decimal(price) });
    /** A reduce-only stop-loss or take-profit. */
    const protect = (
      symbol: string,
      side: OrderSide,
      type: "STOP_MARKET" | "TAKE_PROFIT_MARKET",
      quantity: string,
      triggerPrice: string,
    ) => order({ symbol, side, type, quantity, triggerPrice: new Decimal(triggerPrice), reduceOnly: true });
    const lookup = (symbol: string, clientOrderId: string, kind?: "regular" | "trigger") =>
      gateway.getOrder(account, kind ? { symbol, clientOrderId, kind } : { symbol, clientOrderId });
    const usdt = async (): Promise<AssetBalance> => {
      const snapshot = await gateway.getAccountSnapshot(account);
      const balance = snapshot.balances.find((b) => b.asset === "USDT");
      if (!balance) throw new Error("no USDT balance");
      return balance;
    };
    const position = async (symbol: string) =>
      (await gateway.getAccountSnapshot(account)).positions.find((p) => p.symbol === symbol);

    /** Records an account's events; next() resolves with the first (past or future) one that matches. */
    async function recordAccountEvents() {
      const events: AccountEvent[] = [];
      const waiting: { match: (e: AccountEvent) => boolean; resolve: (e: AccountEvent) => void }[] = [];
      const unsubscribe = gateway.subscribeAccountEvents(account, (event) => {
        events.push(event);
        for (const waiter of [...waiting]) {
          if (waiter.match(event)) {
            waiting.splice(waiting.indexOf(waiter), 1);
            waiter.resolve(event);
          }
        }
      });
      unsubscribers.push(unsubscribe);
      await harness.subscriptionsReady?.();
      return {
        events,
        next(match: (e: AccountEvent) => boolean): Promise<AccountEvent> {
          const seen = events.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((resolve) => waiting.push({ match, resolve }));
        },
      };
    }
    let unsubscribers: (() => void)[] = [];

    beforeEach(async () => {
      harness = await setup();
      gateway = harness.gateway;
      account = harness.account;
      unsubscribers = [];
    });
    afterEach(async () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      await harness.close();
    });

    it("shows a new account with 100000 USDT and no positions", async () => {
      const snapshot = await gateway.getAccountSnapshot(account);
      expect(snapshot.positions).toEqual([]);
      const balance = snapshot.balances.find((b) => b.asset === "USDT");
      expectDecimal(balance?.walletBalance, "100000");
      expectDecimal(balance?.availableBalance, "100000");
    });

    it("returns mark prices as exact decimals", async () => {
      await harness.setMarkPrice("BTCUSDT", "65000.1");
      await harness.setMarkPrice("ETHUSDT", "3400.27");
      const marks = await gateway.getMarkPrices(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
      expectDecimal(marks.get("BTCUSDT"), "65000.1");
      expectDecimal(marks.get("ETHUSDT"), "3400.27");
      expectDecimal(marks.get("SOLUSDT"), "150");
      expectDecimal((await gateway.getMarkPrices(["ETHUSDT"])).get("ETHUSDT"), "3400.27");
    });

    it("rejects a symbol the exchange does not list", async () => {
      await expect(gateway.getMarkPrices(["NOPEUSDT"])).rejects.toBeInstanceOf(ExchangeRejectedError);
      await expect(market("NOPEUSDT", "BUY", "1")).rejects.toBeInstanceOf(ExchangeRejectedError);
    });

    it("fills a market buy at the mark price and opens a long", async () => {
      const filled = await market("BTCUSDT", "BUY", "0.01");
      expect(filled).toMatchObject({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", status: "FILLED" });
      expectDecimal(filled.filledQuantity, "0.01");
      expectDecimal(filled.averagePrice, "65000");
      const long = await position("BTCUSDT");
      expect(long?.side).toBe("LONG");
      expectDecimal(long?.quantity, "0.01");
      expectDecimal(long?.entryPrice, "65000");
      expectDecimal(long?.markPrice, "65000");
      expect(long?.leverage).toBeGreaterThan(0);
    });

    it("opens a short with a market sell on a flat symbol", async () => {
      await market("SOLUSDT", "SELL", "3");
      const short = await position("SOLUSDT");
      expect(short?.side).toBe("SHORT");
      expectDecimal(short?.quantity, "3");
      expectDecimal(short?.entryPrice, "150");
    });

    it("averages the entry price when adding to a position", async () => {
      await market("ETHUSDT", "BUY", "1");
      await harness.setMarkPrice("ETHUSDT", "3500");
      await market("ETHUSDT", "BUY", "1");
      const long = await position("ETHUSDT");
      expectDecimal(long?.quantity, "2");
      expectDecimal(long?.entryPrice, "3450");
      expectDecimal(long?.markPrice, "3500");
    });

    it("realizes the PnL into the wallet when a reduce-only order closes the position", async () => {
      await market("BTCUSDT", "BUY", "0.1");
      await harness.setMarkPrice("BTCUSDT", "66000");
      const close = await market("BTCUSDT", "SELL", "0.1", true);
      expect(close.status).toBe("FILLED");
      expect(close.reduceOnly).toBe(true);
      expectDecimal(close.averagePrice, "66000");
      expect(await position("BTCUSDT")).toBeUndefined();
      const balance = await usdt();
      expectDecimal(balance.walletBalance, "100100");
      expectDecimal(balance.availableBalance, "100100");
    });

    it("keeps the entry price on a partial close and realizes only the closed part", async () => {
      await market("BTCUSDT", "BUY", "0.2");
      await harness.setMarkPrice("BTCUSDT", "64000");
      await market("BTCUSDT", "SELL", "0.05", true);
      const long = await position("BTCUSDT");
      expectDecimal(long?.quantity, "0.15");
      expectDecimal(long?.entryPrice, "65000");
      expectDecimal((await usdt()).walletBalance, "99950");
    });

    it("takes the initial margin of a position off the available balance (cross, leverage from the position)", async () => {
      await market("BTCUSDT", "BUY", "1");
      const long = await position("BTCUSDT");
      const balance = await usdt();
      expectDecimal(balance.walletBalance, "100000");
      expectDecimal(
        balance.availableBalance,
        new Decimal(100000).minus(new Decimal(65000).div(long!.leverage)).toFixed(),
      );
    });

    it("sets a symbol's leverage: a new position opens at it and ties up notional / leverage", async () => {
      const setting = await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 5 });
      expect(setting).toMatchObject({ symbol: "BTCUSDT", leverage: 5 });
      expect(setting.maxNotional.gt(0)).toBe(true);
      await market("BTCUSDT", "BUY", "0.1");
      expect((await position("BTCUSDT"))?.leverage).toBe(5);
      expectDecimal((await usdt()).availableBalance, "98700"); // 100000 - 6500 / 5
      // Another symbol keeps its own leverage.
      await gateway.setLeverage(account, { symbol: "ETHUSDT", leverage: 2 });
      expect((await position("BTCUSDT"))?.leverage).toBe(5);
    });

    it("applies a new leverage to the open position, and refuses to lower it past the available margin", async () => {
      await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 20 });
      await market("BTCUSDT", "BUY", "1");
      await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 10 });
      expect((await position("BTCUSDT"))?.leverage).toBe(10);
      expectDecimal((await usdt()).availableBalance, "93500"); // 100000 - 65000 / 10
      await market("BTCUSDT", "BUY", "9"); // 650000 notional: 65000 of margin at 10x
      const refused = await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 1 }).catch((e) => e);
      expect(refused).toBeInstanceOf(ExchangeRejectedError);
      expect((refused as ExchangeRejectedError).code).toBe(-2028);
      expect((await position("BTCUSDT"))?.leverage).toBe(10);
      // Raising it is always taken.
      await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 25 });
      expect((await position("BTCUSDT"))?.leverage).toBe(25);
    });

    it("refuses a leverage the symbol does not take, naming leverage, and keeps the one in force", async () => {
      await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 3 });
      for (const leverage of [0, 126]) {
        const refused = await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage }).catch((e) => e);
        expect(refused).toBeInstanceOf(ExchangeRejectedError);
        expect((refused as ExchangeRejectedError).message).toMatch(/leverage/i);
        expect((refused as ExchangeRejectedError).code).toBe(-4028);
      }
      await market("BTCUSDT", "BUY", "0.01");
      expect((await position("BTCUSDT"))?.leverage).toBe(3);
    });

    it("rejects a reduce-only order that would open, increase or flip a position, and changes nothing", async () => {
      await expect(market("BTCUSDT", "SELL", "0.01", true)).rejects.toBeInstanceOf(ExchangeRejectedError);
      await market("BTCUSDT", "BUY", "0.01");
      await expect(market("BTCUSDT", "BUY", "0.01", true)).rejects.toBeInstanceOf(ExchangeRejectedError);
      await expect(market("BTCUSDT", "SELL", "0.02", true)).rejects.toBeInstanceOf(ExchangeRejectedError);
      const long = await position("BTCUSDT");
      expect(long?.side).toBe("LONG");
      expectDecimal(long?.quantity, "0.01");
    });

    it("rejects a second order with the same clientOrderId and does not trade again", async () => {
      const request: PlaceOrderRequest = {
        clientOrderId: id("dup"),
        symbol: "BTCUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: new Decimal("0.01"),
      };
      await gateway.placeOrder(account, request);
      await expect(gateway.placeOrder(account, request)).rejects.toBeInstanceOf(ExchangeRejectedError);
      expectDecimal((await position("BTCUSDT"))?.quantity, "0.01");
    });

    it("finds an order by clientOrderId, and answers null for one it never accepted", async () => {
      const placed = await market("ETHUSDT", "BUY", "0.5");
      const found = await lookup("ETHUSDT", placed.clientOrderId);
      expect(found).toMatchObject({ clientOrderId: placed.clientOrderId, status: "FILLED", side: "BUY" });
      expect(found?.exchangeOrderId).toBe(placed.exchangeOrderId);
      expectDecimal(found?.quantity, "0.5");
      expect(await gateway.getOrder(account, { symbol: "ETHUSDT", clientOrderId: id("never") })).toBeNull();
    });

    it("rests a limit buy below the mark until the mark crosses it, then fills at the limit price", async () => {
      const limit = await limitOrder("BTCUSDT", "BUY", "0.01", "64000");
      expect(limit.status).toBe("NEW");
      expectDecimal(limit.price, "64000");
      expect(await position("BTCUSDT")).toBeUndefined();

      await harness.setMarkPrice("BTCUSDT", "64500");
      expect((await lookup("BTCUSDT", limit.clientOrderId))?.status).toBe("NEW");

      await harness.setMarkPrice("BTCUSDT", "63900");
      const filled = await lookup("BTCUSDT", limit.clientOrderId);
      expect(filled?.status).toBe("FILLED");
      expectDecimal(filled?.averagePrice, "64000");
      const long = await position("BTCUSDT");
      expectDecimal(long?.quantity, "0.01");
      expectDecimal(long?.entryPrice, "64000");
    });

    it("rests a limit sell above the mark until the mark rises to it", async () => {
      const limit = await limitOrder("SOLUSDT", "SELL", "2", "155");
      expect(limit.status).toBe("NEW");
      await harness.setMarkPrice("SOLUSDT", "155.5");
      const short = await position("SOLUSDT");
      expect(short?.side).toBe("SHORT");
      expectDecimal(short?.entryPrice, "155");
    });

    it("cancels resting orders in a batch and reports orders already gone as not cancelled", async () => {
      const resting = await limitOrder("ETHUSDT", "BUY", "1", "3000");
      const filled = await market("ETHUSDT", "BUY", "0.1");
      const results = await gateway.cancelOrders(account, [
        { symbol: "ETHUSDT", clientOrderId: resting.clientOrderId },
        { symbol: "ETHUSDT", clientOrderId: filled.clientOrderId },
        { symbol: "ETHUSDT", clientOrderId: id("never") },
      ]);
      expect(results.map((r) => [r.clientOrderId, r.cancelled])).toEqual([
        [resting.clientOrderId, true],
        [filled.clientOrderId, false],
        [results[2]?.clientOrderId, false],
      ]);
      expect((await lookup("ETHUSDT", resting.clientOrderId))?.status).toBe("CANCELED");
      await harness.setMarkPrice("ETHUSDT", "2900");
      expectDecimal((await position("ETHUSDT"))?.quantity, "0.1");
    });

    it("fires a stop-loss when the mark falls to it: closes the long, books the loss, cancels the take-profit", async () => {
      const events = await recordAccountEvents();
      await market("BTCUSDT", "BUY", "0.1");
      const stop = await protect("BTCUSDT", "SELL", "STOP_MARKET", "0.1", "64000");
      const takeProfit = await protect("BTCUSDT", "SELL", "TAKE_PROFIT_MARKET", "0.1", "67000");
      expect(stop).toMatchObject({ status: "NEW", type: "STOP_MARKET", reduceOnly: true });
      expectDecimal(stop.triggerPrice, "64000");

      await harness.setMarkPrice("BTCUSDT", "64500");
      expect((await lookup("BTCUSDT", stop.clientOrderId, "trigger"))?.status).toBe("NEW");
      expect(events.events.some((e) => e.type === "protective-triggered")).toBe(false);

      await harness.setMarkPrice("BTCUSDT", "63900");
      const fired = await events.next((e) => e.type === "protective-triggered");
      expect(fired.type === "protective-triggered" && fired.order.clientOrderId).toBe(stop.clientOrderId);
      expect(fired.accountId).toBe(account.id);
      // The event carries the fill, so whoever books the close gets the real exit price.
      const firedOrder = fired.type === "protective-triggered" ? fired.order : undefined;
      expect(firedOrder?.status).toBe("FILLED");
      expectDecimal(firedOrder?.filledQuantity, "0.1");
      expectDecimal(firedOrder?.averagePrice, "63900");
      expect(await position("BTCUSDT")).toBeUndefined();
      expectDecimal((await usdt()).walletBalance, "99890");
      const stopAfter = await lookup("BTCUSDT", stop.clientOrderId, "trigger");
      expect(stopAfter?.status).toBe("FILLED");
      expectDecimal(stopAfter?.averagePrice, "63900");
      const tpAfter = await lookup("BTCUSDT", takeProfit.clientOrderId, "trigger");
      expect(tpAfter?.status).toBe("CANCELED");
    });

    it("fires a take-profit when the mark falls to it on a short, and cancels the stop-loss", async () => {
      const events = await recordAccountEvents();
      await market("ETHUSDT", "SELL", "1");
      const takeProfit = await protect("ETHUSDT", "BUY", "TAKE_PROFIT_MARKET", "1", "3300");
      const stop = await protect("ETHUSDT", "BUY", "STOP_MARKET", "1", "3500");
      await harness.setMarkPrice("ETHUSDT", "3290");
      const fired = await events.next((e) => e.type === "protective-triggered");
      expect(fired.type === "protective-triggered" && fired.order.clientOrderId).toBe(
        takeProfit.clientOrderId,
      );
      expect(await position("ETHUSDT")).toBeUndefined();
      expectDecimal((await usdt()).walletBalance, "100110");
      const stopAfter = await lookup("ETHUSDT", stop.clientOrderId, "trigger");
      expect(stopAfter?.status).toBe("CANCELED");
    });

    it("keeps trigger orders and regular orders apart, as separate books", async () => {
      await market("BTCUSDT", "BUY", "0.01");
      const stop = await protect("BTCUSDT", "SELL", "STOP_MARKET", "0.01", "60000");
      const ref = { symbol: "BTCUSDT", clientOrderId: stop.clientOrderId };
      expect(await gateway.getOrder(account, { ...ref, kind: "regular" })).toBeNull();
      expect((await gateway.getOrder(account, { ...ref, kind: "trigger" }))?.type).toBe("STOP_MARKET");
      const [cancelled] = await gateway.cancelOrders(account, [{ ...ref, kind: "trigger" }]);
      expect(cancelled).toMatchObject({ clientOrderId: stop.clientOrderId, cancelled: true });
      expect((await gateway.getOrder(account, { ...ref, kind: "trigger" }))?.status).toBe("CANCELED");
    });

    it("rejects a stop-loss the mark has already crossed", async () => {
      await market("BTCUSDT", "BUY", "0.01");
      await expect(protect("BTCUSDT", "SELL", "STOP_MARKET", "0.01", "65500")).rejects.toBeInstanceOf(
        ExchangeRejectedError,
      );
    });

    it("rejects bad input naming the field", async () => {
      await expect(
        order({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.01" }),
      ).rejects.toThrow(/price/i);
      await expect(market("BTCUSDT", "BUY", "0")).rejects.toThrow(/quantity/i);
      expect(await position("BTCUSDT")).toBeUndefined();
    });

    it("lists every open order, resting and trigger alike, and drops each once filled or cancelled", async () => {
      await market("BTCUSDT", "BUY", "0.1");
      const buy = await limitOrder("ETHUSDT", "BUY", "1", "3000");
      const sell = await limitOrder("SOLUSDT", "SELL", "2", "155.5");
      const stop = await protect("BTCUSDT", "SELL", "STOP_MARKET", "0.1", "64000");
      const takeProfit = await protect("BTCUSDT", "SELL", "TAKE_PROFIT_MARKET", "0.1", "67000.5");

      const open = await gateway.getOpenOrders(account);
      // The market order filled at once: it was never open.
      expect(open.map((o) => o.clientOrderId).sort()).toEqual(
        [buy, sell, stop, takeProfit].map((o) => o.clientOrderId).sort(),
      );
      const listed = (clientOrderId: string) => open.find((o) => o.clientOrderId === clientOrderId);
      expect(listed(buy.clientOrderId)).toMatchObject({
        exchangeOrderId: buy.exchangeOrderId,
        symbol: "ETHUSDT",
        side: "BUY",
        type: "LIMIT",
        status: "NEW",
        triggerPrice: null,
        reduceOnly: false,
      });
      expectDecimal(listed(buy.clientOrderId)?.price, "3000");
      expectDecimal(listed(buy.clientOrderId)?.quantity, "1");
      expectDecimal(listed(sell.clientOrderId)?.price, "155.5");
      expect(listed(stop.clientOrderId)).toMatchObject({
        exchangeOrderId: stop.exchangeOrderId,
        symbol: "BTCUSDT",
        side: "SELL",
        type: "STOP_MARKET",
        status: "NEW",
        price: null,
        reduceOnly: true,
      });
      expectDecimal(listed(stop.clientOrderId)?.triggerPrice, "64000");
      expectDecimal(listed(stop.clientOrderId)?.quantity, "0.1");
      expect(listed(takeProfit.clientOrderId)).toMatchObject({
        type: "TAKE_PROFIT_MARKET",
        reduceOnly: true,
      });
      expectDecimal(listed(takeProfit.clientOrderId)?.triggerPrice, "67000.5");

      const stillOpen = async () => (await gateway.getOpenOrders(account)).map((o) => o.clientOrderId).sort();
      await gateway.cancelOrders(account, [{ symbol: "ETHUSDT", clientOrderId: buy.clientOrderId }]);
      await harness.setMarkPrice("SOLUSDT", "156");
      expect(await stillOpen()).toEqual([stop.clientOrderId, takeProfit.clientOrderId].sort());
      // The stop fires and takes the take-profit with it.
      await harness.setMarkPrice("BTCUSDT", "63900");
      expect(await stillOpen()).toEqual([]);
    });

    it("returns each fill with the PnL it realized: what the wallet moved by", async () => {
      const { asOf: since } = await gateway.getAccountSnapshot(account);
      const walletBefore = (await usdt()).walletBalance;
      const opened = await market("BTCUSDT", "BUY", "0.1");
      await harness.setMarkPrice("BTCUSDT", "66250.5");
      const closed = await market("BTCUSDT", "SELL", "0.1", true);

      const trades = await gateway.getTrades(account, { symbol: "BTCUSDT", startTime: since });
      expect(trades.map((t) => [t.exchangeOrderId, t.symbol, t.side])).toEqual([
        [opened.exchangeOrderId, "BTCUSDT", "BUY"],
        [closed.exchangeOrderId, "BTCUSDT", "SELL"],
      ]);
      const [open, close] = trades;
      expectDecimal(open?.quantity, "0.1");
      expectDecimal(open?.price, "65000");
      expectDecimal(open?.realizedPnl, "0");
      expectDecimal(close?.quantity, "0.1");
      expectDecimal(close?.price, "66250.5");
      // A long closed: (exit - entry) * quantity.
      expectDecimal(close?.realizedPnl, "125.05");
      const walletAfter = (await usdt()).walletBalance;
      expectDecimal(
        walletAfter.minus(walletBefore),
        trades.reduce((sum, t) => sum.plus(t.realizedPnl), new Decimal(0)).toFixed(),
      );
      expect(open!.time).toBeGreaterThanOrEqual(since);
      expect(close!.time).toBeGreaterThanOrEqual(open!.time);
    });

    it("returns only the symbol's fills at or after startTime, oldest first", async () => {
      const { asOf: since } = await gateway.getAccountSnapshot(account);
      for (let i = 0; i < 3; i++) {
        await market("SOLUSDT", "BUY", "1");
        await market("ETHUSDT", "BUY", "0.1");
      }
      const all = await gateway.getTrades(account, { symbol: "SOLUSDT", startTime: since });
      expect(all).toHaveLength(3);
      expect(all.every((t) => t.symbol === "SOLUSDT")).toBe(true);
      const ids = all.map((t) => BigInt(t.tradeId));
      expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(ids).size).toBe(3);
      expect(all.map((t) => t.time)).toEqual(all.map((t) => t.time).sort((a, b) => a - b));

      const from = async (startTime: number) =>
        (await gateway.getTrades(account, { symbol: "SOLUSDT", startTime })).map((t) => t.tradeId);
      const second = all[1]!;
      // startTime is inclusive: a fill at exactly that time is in.
      expect(await from(second.time)).toEqual(all.filter((t) => t.time >= second.time).map((t) => t.tradeId));
      expect(await from(all[2]!.time + 1)).toEqual([]);
    });

    it("tells account subscribers about a fill: the order, the position and the balance", async () => {
      const events = await recordAccountEvents();
      const placed = await market("SOLUSDT", "BUY", "10");
      const filled = await events.next(
        (e) => e.type === "order" && e.order.clientOrderId === placed.clientOrderId,
      );
      expect(filled.type === "order" && filled.order.status).toBe("FILLED");
      const moved = await events.next(
        (e) => e.type === "position" && e.positions.some((p) => p.symbol === "SOLUSDT"),
      );
      const solana =
        moved.type === "position" ? moved.positions.find((p) => p.symbol === "SOLUSDT") : undefined;
      expectDecimal(solana?.quantity, "10");
      const balance = await events.next((e) => e.type === "balance");
      expect(balance.type === "balance" && balance.balances.some((b) => b.asset === "USDT")).toBe(true);
    });

    it("tells account subscribers when a position goes flat: the symbol with quantity 0", async () => {
      const events = await recordAccountEvents();
      await market("ETHUSDT", "BUY", "1");
      await market("ETHUSDT", "SELL", "1", true);
      const flat = await events.next(
        (e) =>
          e.type === "position" && e.positions.some((p) => p.symbol === "ETHUSDT" && p.quantity.isZero()),
      );
      expect(flat.accountId).toBe(account.id);
    });

    it("pushes mark prices to subscribers of the symbol", async () => {
      const ticks: MarkPriceTick[] = [];
      let resolve: (tick: MarkPriceTick) => void = () => {};
      const arrived = new Promise<MarkPriceTick>((r) => {
        resolve = r;
      });
      unsubscribers.push(
        gateway.subscribeMarkPrices(["ETHUSDT"], (tick) => {
          ticks.push(tick);
          if (tick.markPrice.eq("3411.11")) resolve(tick);
        }),
      );
      await harness.subscriptionsReady?.();
      await harness.setMarkPrice("ETHUSDT", "3411.11");
      const tick = await arrived;
      expect(tick.symbol).toBe("ETHUSDT");
      expect(ticks.every((t) => t.symbol === "ETHUSDT")).toBe(true);
    });

    it("lists the symbols' trading rules: BTCUSDT trades in ticks of 0.1, steps of 0.001, from 5 USDT", async () => {
      const rules = await gateway.getExchangeRules();
      expect(rules.asOf).toBeGreaterThan(0);
      const symbols = rules.symbols.map((r) => r.symbol);
      expect(symbols).toEqual(expect.arrayContaining(Object.keys(CONTRACT_SYMBOLS)));
      expect(new Set(symbols).size).toBe(symbols.length);
      const btc = rules.symbols.find((r) => r.symbol === "BTCUSDT");
      expect(btc).toMatchObject({ status: "TRADING", baseAsset: "BTC", quoteAsset: "USDT" });
      expectDecimal(btc?.tickSize, "0.1");
      expectDecimal(btc?.stepSize, "0.001");
      expectDecimal(btc?.minQuantity, "0.001");
      expectDecimal(btc?.marketStepSize, "0.001");
      expectDecimal(btc?.minNotional, "5");
      expect(btc?.maxQuantity.gt(btc.minQuantity)).toBe(true);
      expect(btc?.marketMaxQuantity.gt(btc.marketMinQuantity)).toBe(true);
      const eth = rules.symbols.find((r) => r.symbol === "ETHUSDT");
      expectDecimal(eth?.tickSize, "0.01");
    });

    it("pushes every symbol that moves on one all-market subscription, and stops when unsubscribed", async () => {
      /** Resolves once a listener has seen each of these marks. */
      function watch(expected: Record<string, string>) {
        const ticks: MarkPriceTick[] = [];
        let resolve: () => void = () => {};
        const seen = new Promise<void>((r) => {
          resolve = r;
        });
        const listener = (tick: MarkPriceTick) => {
          ticks.push(tick);
          const all = Object.entries(expected).every(([symbol, mark]) =>
            ticks.some((t) => t.symbol === symbol && t.markPrice.eq(mark)),
          );
          if (all) resolve();
        };
        return { ticks, listener, seen };
      }
      const moves = { BTCUSDT: "65000.1", ETHUSDT: "3400.27" };
      const first = watch(moves);
      const second = watch({ ...moves, ETHUSDT: "3390.01" });
      const offFirst = gateway.subscribeAllMarkPrices(first.listener);
      unsubscribers.push(offFirst, gateway.subscribeAllMarkPrices(second.listener));
      await harness.subscriptionsReady?.();
      await harness.setMarkPrice("BTCUSDT", "65000.1");
      await harness.setMarkPrice("ETHUSDT", "3400.27");
      await first.seen;
      const btc = first.ticks.find((t) => t.symbol === "BTCUSDT" && t.markPrice.eq("65000.1"));
      expectDecimal(btc?.markPrice, "65000.1");
      expect(btc?.at).toBeGreaterThan(0);
      expectDecimal(
        first.ticks.find((t) => t.symbol === "ETHUSDT" && t.markPrice.eq("3400.27"))?.markPrice,
        "3400.27",
      );

      offFirst();
      await harness.setMarkPrice("ETHUSDT", "3390.01");
      await second.seen; // the other subscriber still hears the move
      expect(first.ticks.some((t) => t.markPrice.eq("3390.01"))).toBe(false);
    });
  });
}

/** An amount is an exact Decimal equal to the expected decimal string. */
export function expectDecimal(actual: Decimal | null | undefined, expected: string): void {
  expect(Decimal.isDecimal(actual), `expected a Decimal, got ${String(actual)}`).toBe(true);
  expect((actual as Decimal).toFixed()).toBe(new Decimal(expected).toFixed());
}
