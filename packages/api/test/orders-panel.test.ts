import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture, failureOf, shapeOf } from "./testing/api-fixture.ts";

/** The dashboard's orders panel and history over the API: cancel, open orders, trades, closed positions. */
describe("orders.cancel and the history procedures", () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await createApiFixture();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
  });
  afterAll(() => f.close());

  const resting = (accountId: string, price: string) => ({
    accountId,
    symbol: "BTCUSDT",
    side: "BUY" as const,
    type: "LIMIT" as const,
    quantity: "0.01",
    price,
  });

  it("cancels a resting order and all of a symbol; another trader's order or account is NOT_FOUND", async () => {
    const trader = await f.signedInTrader();
    const other = await f.signedInTrader();
    const one = await trader.api.orders.create(resting(trader.accountId, "60000"));
    await trader.api.orders.create(resting(trader.accountId, "59000"));
    await trader.api.orders.create(resting(trader.accountId, "58000"));
    expect((await trader.api.orders.open()).items).toHaveLength(3);
    expect((await other.api.orders.open()).items).toEqual([]);

    expect((await failureOf(other.api.orders.cancel({ orderId: one.order.id }))).code).toBe("NOT_FOUND");
    const cancelled = await trader.api.orders.cancel({ orderId: one.order.id });
    expect(cancelled.orders.map((o) => o.status)).toEqual(["CANCELED"]);
    expect((await failureOf(trader.api.orders.cancel({ orderId: one.order.id }))).code).toBe("CONFLICT");

    expect(
      (await failureOf(other.api.orders.cancel({ accountId: trader.accountId, symbol: "BTCUSDT" }))).code,
    ).toBe("NOT_FOUND");
    const all = await trader.api.orders.cancel({ accountId: trader.accountId, symbol: "BTCUSDT" });
    expect(all.orders.map((o) => o.status)).toEqual(["CANCELED", "CANCELED"]);
    expect((await trader.api.orders.open()).items).toEqual([]);
  });

  it("refuses a cancel that names neither an order nor an account and symbol, naming the field", async () => {
    const trader = await f.signedInTrader();
    const error = await failureOf(trader.api.orders.cancel({ symbol: "BTCUSDT" }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(Object.keys(shapeOf(error).data.zodError?.fieldErrors ?? {})).toEqual(["accountId"]);
    const both = await failureOf(
      trader.api.orders.cancel({ orderId: randomUUID(), accountId: trader.accountId, symbol: "BTCUSDT" }),
    );
    expect(Object.keys(shapeOf(both).data.zodError?.fieldErrors ?? {}).sort()).toEqual([
      "accountId",
      "symbol",
    ]);
  });

  it("pages closed positions and trades; a symbol's mark price for the order form", async () => {
    const trader = await f.signedInTrader();
    for (let i = 0; i < 2; i++) {
      const opened = await trader.api.orders.create({
        accountId: trader.accountId,
        symbol: "BTCUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "0.01",
      });
      await trader.api.positions.close({ positionId: opened.position!.id });
    }
    const first = await trader.api.positions.closed({ limit: 1 });
    expect(first.items).toHaveLength(1);
    const second = await trader.api.positions.closed({ limit: 1, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect((await trader.api.orders.trades({ limit: 10 })).items).toHaveLength(4);
    expect(await trader.api.market.quote({ accountId: trader.accountId, symbol: "BTCUSDT" })).toMatchObject({
      symbol: "BTCUSDT",
      markPrice: "65000",
    });
    const other = await f.signedInTrader();
    expect(
      (await failureOf(other.api.market.quote({ accountId: trader.accountId, symbol: "BTCUSDT" }))).code,
    ).toBe("NOT_FOUND");
  });

  it("says what is wrong with a quantity, one message per case, numbers as on screen", async () => {
    const trader = await f.signedInTrader();
    const quantityError = async (quantity: string, symbol = "BTCUSDT") => {
      const error = await failureOf(
        trader.api.orders.create({
          accountId: trader.accountId,
          symbol,
          side: "BUY",
          type: "MARKET",
          quantity,
        }),
      );
      const data = shapeOf(error).data;
      return data.zodError?.fieldErrors.quantity?.[0] ?? error.message;
    };
    expect(await quantityError("")).toBe("required");
    expect(await quantityError("abc")).toBe("must be a number, such as 0.5");
    expect(await quantityError("1,5")).toBe("use a dot for decimals and no thousands separators (1.5, 1000)");
    expect(await quantityError("1e3")).toBe("write the number out in full, without an exponent");
    expect(await quantityError("0.1234567890123456789")).toBe(
      "too many decimal places: at most 18 (19 given)",
    );
    expect(await quantityError("12345678901234567890")).toBe("must be at most 1,000,000,000");
    expect(await quantityError("0")).toBe("must be greater than 0");
    expect(await quantityError("0.0001")).toBe("quantity must be a multiple of 0.001 BTC (the step)");
    await f.exchange.setMarkPrice("DOGEUSDT", "0.15");
    expect(await quantityError("10", "DOGEUSDT")).toBe("order value 1.50 USDT is below the 5 USDT minimum");
  });
});
