import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { toAccountEvents, type UserEventContext } from "./user-events.ts";
import { toOrder } from "./wire.ts";

const context = (): UserEventContext => ({
  accountId: "acc-1",
  leverageOf: (symbol) => (symbol === "BTCUSDT" ? 20 : 1),
  markPriceOf: (symbol) => (symbol === "BTCUSDT" ? new Decimal("6600.1") : null),
  triggered: new Set(),
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
