import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { toAccountEvents, type UserEventContext } from "./user-events.ts";
import { toOrder } from "./wire.ts";

const context = (): UserEventContext => ({
  accountId: "acc-1",
  leverageOf: (symbol) => (symbol === "BTCUSDT" ? 20 : 1),
  markPriceOf: (symbol) => (symbol === "BTCUSDT" ? new Decimal("6600.1") : null),
  triggered: new Set(),
  orders: new Map(),
});

// Payloads shaped like the examples on Binance's USD-M user-data-stream pages.
const accountUpdate = {
  e: "ACCOUNT_UPDATE",
  E: 1564745798939,
  T: 1564745798938,
  a: {
    m: "ORDER",
    B: [{ a: "USDT", wb: "122624.12345678", cw: "100.12345678", bc: "50.12345678" }],
    P: [
      {
        s: "ETHUSDT",
        pa: "0",
        ep: "0.00000",
        bep: "0",
        cr: "200",
        up: "0",
        mt: "cross",
        iw: "0",
        ps: "BOTH",
      },
      {
        s: "BTCUSDT",
        pa: "-10",
        ep: "6563.86000",
        bep: "6563.6",
        cr: "-45.04",
        up: "-1423.156",
        mt: "cross",
        iw: "0",
        ps: "BOTH",
      },
    ],
  },
};

describe("toAccountEvents", () => {
  it("maps ACCOUNT_UPDATE to balance and position events with exact decimals; a flat position has quantity 0", () => {
    const [balance, position] = toAccountEvents(accountUpdate, context());
    expect(balance).toMatchObject({ type: "balance", accountId: "acc-1", at: 1564745798939 });
    expect(balance?.type === "balance" && balance.balances[0]?.walletBalance.toFixed()).toBe(
      "122624.12345678",
    );
    const positions = position?.type === "position" ? position.positions : [];
    expect(positions.map((p) => [p.symbol, p.quantity.toFixed()])).toEqual([
      ["ETHUSDT", "0"],
      ["BTCUSDT", "10"],
    ]);
    const btc = positions[1];
    expect(btc).toMatchObject({ symbol: "BTCUSDT", side: "SHORT", leverage: 20 });
    expect(btc?.quantity.toFixed()).toBe("10");
    expect(btc?.entryPrice.toFixed()).toBe("6563.86");
    expect(btc?.markPrice.toFixed()).toBe("6600.1");
  });

  it("maps ORDER_TRADE_UPDATE to an order event", () => {
    const [event] = toAccountEvents(
      {
        e: "ORDER_TRADE_UPDATE",
        E: 1568879465651,
        T: 1568879465650,
        o: {
          s: "BTCUSDT",
          c: "cid-1",
          S: "SELL",
          o: "MARKET",
          f: "GTC",
          q: "0.001",
          p: "0",
          ap: "7103.04",
          sp: "0",
          x: "TRADE",
          X: "FILLED",
          i: 8886774,
          l: "0.001",
          z: "0.001",
          L: "7103.04",
          R: true,
          ps: "BOTH",
        },
      },
      context(),
    );
    expect(event?.type).toBe("order");
    const order = event?.type === "order" ? event.order : undefined;
    expect(order).toMatchObject({
      exchangeOrderId: "8886774",
      clientOrderId: "cid-1",
      status: "FILLED",
      reduceOnly: true,
    });
    expect(order?.averagePrice?.toFixed()).toBe("7103.04");
  });

  it("reports a stop-loss (ALGO_UPDATE) as triggered once it filled, with the fill, and only once", () => {
    const ctx = context();
    const update = (X: string, aq = "0.01", ap = "63900") => ({
      e: "ALGO_UPDATE",
      T: 1750515742297,
      E: 1750515742303,
      o: {
        caid: "sl-1",
        aid: 2148719,
        at: "CONDITIONAL",
        o: "STOP_MARKET",
        s: "BTCUSDT",
        S: "SELL",
        ps: "BOTH",
        f: "GTC",
        q: "0.01",
        X,
        ai: "",
        ap,
        aq,
        act: "MARKET",
        tp: "64000",
        R: true,
      },
    });
    expect(toAccountEvents(update("NEW", "0", "0"), ctx).map((e) => e.type)).toEqual(["order"]);
    // TRIGGERED: sent to the matching engine, nothing executed yet; the position is still open.
    expect(toAccountEvents(update("TRIGGERED", "0", "0"), ctx).map((e) => e.type)).toEqual(["order"]);
    const fired = toAccountEvents(update("FINISHED"), ctx);
    expect(fired.map((e) => e.type)).toEqual(["order", "protective-triggered"]);
    const order = fired[1]?.type === "protective-triggered" ? fired[1].order : undefined;
    expect(order).toMatchObject({ clientOrderId: "sl-1", status: "FILLED" });
    expect([order?.filledQuantity.toFixed(), order?.averagePrice?.toFixed()]).toEqual(["0.01", "63900"]);
    expect(toAccountEvents(update("FINISHED"), ctx).map((e) => e.type)).toEqual(["order"]);
  });

  it("does not report a stop-loss that finished without executing anything as triggered", () => {
    const [event, ...rest] = toAccountEvents(
      {
        e: "ALGO_UPDATE",
        T: 1,
        E: 2,
        o: {
          caid: "sl-2",
          aid: 7,
          o: "STOP_MARKET",
          s: "BTCUSDT",
          S: "SELL",
          q: "0.01",
          X: "FINISHED",
          aq: "0",
          ap: "0",
          tp: "64000",
          R: true,
        },
      },
      context(),
    );
    expect(rest).toEqual([]);
    expect(event?.type === "order" && event.order.status).toBe("CANCELED");
  });

  describe("a late update never moves an order back", () => {
    const orderUpdate = (i: number, X: string, z: string, T: number, E = T + 2) => ({
      e: "ORDER_TRADE_UPDATE",
      E,
      T,
      o: {
        s: "BTCUSDT",
        c: `cid-${i}`,
        S: "BUY",
        o: "LIMIT",
        f: "GTC",
        q: "0.002",
        p: "64000",
        ap: z === "0" ? "0" : "64000",
        sp: "0",
        x: X === "NEW" ? "NEW" : "TRADE",
        X,
        i,
        l: z,
        z,
        L: "64000",
        T,
        R: false,
        ps: "BOTH",
      },
    });
    const statuses = (ctx: UserEventContext, messages: object[]) =>
      messages.flatMap((m) =>
        toAccountEvents(m, ctx).map((e) =>
          e.type === "order" ? `${e.order.status} ${e.order.filledQuantity}` : e.type,
        ),
      );

    it("drops an ORDER_TRADE_UPDATE older than the last passed on for that order, and only for that order", () => {
      const ctx = context();
      expect(
        statuses(ctx, [
          orderUpdate(1, "NEW", "0", 1000),
          orderUpdate(1, "PARTIALLY_FILLED", "0.001", 2000),
          orderUpdate(1, "FILLED", "0.002", 3000),
          orderUpdate(1, "NEW", "0", 1000), // replayed after a reconnect, or late
          orderUpdate(1, "PARTIALLY_FILLED", "0.001", 2000),
          orderUpdate(2, "NEW", "0", 1500), // another order: its own clock
          orderUpdate(1, "FILLED", "0.002", 3000), // the same update again: harmless, passed on
        ]),
      ).toEqual(["NEW 0", "PARTIALLY_FILLED 0.001", "FILLED 0.002", "NEW 0", "FILLED 0.002"]);
    });

    it("at the same transaction time, drops an update that is less filled or reopens a final order", () => {
      const ctx = context();
      expect(
        statuses(ctx, [
          orderUpdate(3, "NEW", "0", 5000),
          orderUpdate(3, "FILLED", "0.002", 5000),
          orderUpdate(3, "NEW", "0", 5000),
          orderUpdate(3, "PARTIALLY_FILLED", "0.001", 5000),
        ]),
      ).toEqual(["NEW 0", "FILLED 0.002"]);
    });

    it("orders by the transaction time T, not by when the event was sent (E)", () => {
      const ctx = context();
      // Sent later (E) but for an earlier transaction (T): older.
      expect(
        statuses(ctx, [
          orderUpdate(4, "FILLED", "0.002", 7000, 7001),
          orderUpdate(4, "NEW", "0", 6000, 7005),
        ]),
      ).toEqual(["FILLED 0.002"]);
    });

    it("drops a late ALGO_UPDATE too, so a fired stop is never reported open again", () => {
      const ctx = context();
      const algo = (X: string, aq: string, T: number) => ({
        e: "ALGO_UPDATE",
        T,
        E: T,
        o: {
          caid: "sl-9",
          aid: 9,
          o: "STOP_MARKET",
          s: "BTCUSDT",
          S: "SELL",
          q: "0.01",
          X,
          aq,
          ap: "63900",
          tp: "64000",
          R: true,
        },
      });
      expect(
        [
          algo("NEW", "0", 100),
          algo("FINISHED", "0.01", 200),
          algo("NEW", "0", 100),
          algo("TRIGGERED", "0", 200),
        ].flatMap((m) => toAccountEvents(m, ctx).map((e) => e.type)),
      ).toEqual(["order", "order", "protective-triggered"]);
    });
  });

  it("ignores events it does not model", () => {
    expect(toAccountEvents({ e: "MARGIN_CALL", E: 1 }, context())).toEqual([]);
  });
});

describe("wire amounts", () => {
  it("refuses an amount that arrives as a JSON number instead of passing it through a float", () => {
    const order = {
      orderId: 1,
      clientOrderId: "c",
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      status: "FILLED",
      executedQty: "0.1",
      avgPrice: "65000.1",
      price: "0",
      reduceOnly: false,
    };
    expect(toOrder({ ...order, origQty: "0.1" }).quantity.toFixed()).toBe("0.1");
    expect(() => toOrder({ ...order, origQty: 0.1 })).toThrow();
  });
});
