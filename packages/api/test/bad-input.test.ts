import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture, failureOf, shapeOf } from "./testing/api-fixture.ts";

describe("bad input", () => {
  let f: ApiFixture;
  let trader: Awaited<ReturnType<ApiFixture["signedInTrader"]>>;
  let positionId: string;
  beforeAll(async () => {
    f = await createApiFixture();
    trader = await f.signedInTrader();
    await f.exchange.setMarkPrice("ETHUSDT", "3400");
    const created = await trader.api.orders.create({
      accountId: trader.accountId,
      symbol: "ETHUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "1",
    });
    positionId = created.position!.id;
  });
  afterAll(() => f.close());

  /** Everything a request could have written or sent: every row, every exchange call. */
  async function state() {
    return {
      exchangeCalls: { ...f.exchange.stats().calls },
      orders: await f.prisma.order.findMany({ orderBy: { id: "asc" } }),
      positions: await f.prisma.position.findMany({ orderBy: { id: "asc" } }),
    };
  }

  /** The call fails with BAD_REQUEST naming `field` (or an unknown key), and nothing moved. */
  async function rejected(call: () => Promise<unknown>, field: string) {
    const before = await state();
    const error = await failureOf(call());
    expect(error.code).toBe("BAD_REQUEST");
    const { zodError } = shapeOf(error).data;
    if (field) expect(Object.keys(zodError?.fieldErrors ?? {})).toContain(field);
    else expect(zodError?.formErrors.join(" ")).toMatch(/unrecognized key/i);
    expect(await state()).toEqual(before);
  }

  const order = () => ({
    accountId: trader.accountId,
    symbol: "BTCUSDT",
    side: "BUY",
    type: "MARKET",
    quantity: "0.1",
  });

  const orderCases: [string, Record<string, unknown>, string][] = [
    ["a negative quantity", { quantity: "-1" }, "quantity"],
    ["a zero quantity", { quantity: "0" }, "quantity"],
    ["a quantity in exponent notation", { quantity: "1e3" }, "quantity"],
    ["a quantity as a JS number", { quantity: 0.1 }, "quantity"],
    ["19 fractional digits", { quantity: "0.1234567890123456789" }, "quantity"],
    ["an absurd quantity", { quantity: "1000000001" }, "quantity"],
    ["a limit price above the ceiling", { type: "LIMIT", price: "999999999999" }, "price"],
    ["a LIMIT order without a price", { type: "LIMIT" }, "price"],
    ["a MARKET order with a price", { price: "65000" }, "price"],
    ["a stop-loss on a LIMIT order", { type: "LIMIT", price: "60000", stopLoss: "59000" }, "stopLoss"],
    ["a lower-case symbol", { symbol: "btcusdt" }, "symbol"],
    ["a symbol that is not a USDT perpetual", { symbol: "BTC-PERP" }, "symbol"],
    ["a very long symbol", { symbol: `${"A".repeat(40)}USDT` }, "symbol"],
    ["an account id that is not a uuid", { accountId: "1" }, "accountId"],
    ["a clientOrderId that is not a uuid", { clientOrderId: "x".repeat(64) }, "clientOrderId"],
    ["an unknown side", { side: "HOLD" }, "side"],
    ["an unknown order type", { type: "STOP_MARKET" }, "type"],
    ["leverage above 125", { leverage: 200 }, "leverage"],
    ["leverage 0", { leverage: 0 }, "leverage"],
    ["a quantity with a sign", { quantity: "+1" }, "quantity"],
    ["a quantity with leading zeros", { quantity: "01" }, "quantity"],
    ["a quantity with spaces", { quantity: " 1" }, "quantity"],
    ["an empty quantity", { quantity: "" }, "quantity"],
    ["no quantity", { quantity: undefined }, "quantity"],
    ["a stop-loss with 19 fractional digits", { stopLoss: "60000.0000000000000000001" }, "stopLoss"],
    ["a zero take-profit", { takeProfit: "0" }, "takeProfit"],
    ["a take-profit above the ceiling", { takeProfit: "1000000000.1" }, "takeProfit"],
    ["a symbol without its USDT quote", { symbol: "BTC" }, "symbol"],
    ["fractional leverage", { leverage: 1.5 }, "leverage"],
    ["a user id", { userId: randomUUID() }, ""],
  ];

  it.each(orderCases)(
    "orders.create rejects %s with BAD_REQUEST naming the field; database and exchange untouched",
    (_name, patch, field) =>
      rejected(() => trader.api.orders.create({ ...order(), ...patch } as never), field),
  );

  it("rejects a stop-loss on the wrong side of the mark with BAD_REQUEST on that field, before any order", async () => {
    const placed = f.exchange.stats().calls.placeOrder;
    const error = await failureOf(trader.api.positions.modifySlTp({ positionId, stopLoss: "3500" }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(shapeOf(error).data.zodError?.fieldErrors).toEqual({
      stopLoss: ["a LONG's stop-loss must be below the mark price 3,400.00 USDT"],
    });
    expect(f.exchange.stats().calls.placeOrder).toBe(placed);
  });

  const modifyCases: [string, Record<string, unknown>, string][] = [
    ["nothing to change", {}, "stopLoss"],
    ["a position id that is not a uuid", { positionId: "abc", stopLoss: "3000" }, "positionId"],
    ["a negative stop-loss", { stopLoss: "-3000" }, "stopLoss"],
    ["a take-profit with a comma", { takeProfit: "3,900" }, "takeProfit"],
    ["a stop-loss with 19 fractional digits", { stopLoss: "3000.1234567890123456789" }, "stopLoss"],
    ["a take-profit above the ceiling", { takeProfit: "1000000001" }, "takeProfit"],
    ["a stop-loss as a JS number", { stopLoss: 3000 }, "stopLoss"],
    ["a user id", { stopLoss: "3000", userId: randomUUID() }, ""],
  ];

  it.each(modifyCases)(
    "positions.modifySlTp rejects %s; database and exchange untouched",
    (_name, patch, field) =>
      rejected(() => trader.api.positions.modifySlTp({ positionId, ...patch } as never), field),
  );

  const otherCases: [string, (api: typeof trader.api) => Promise<unknown>, string][] = [
    [
      "positions.close with a clientOrderId that is not a uuid",
      (api) => api.positions.close({ positionId, clientOrderId: "retry-1" }),
      "clientOrderId",
    ],
    [
      "positions.close with a user id",
      (api) => api.positions.close({ positionId, userId: randomUUID() } as never),
      "",
    ],
    ["positions.close without a position id", (api) => api.positions.close({} as never), "positionId"],
    ["orders.list with limit 0", (api) => api.orders.list({ limit: 0 }), "limit"],
    ["orders.list with limit 101", (api) => api.orders.list({ limit: 101 }), "limit"],
    ["orders.list with a fractional limit", (api) => api.orders.list({ limit: 2.5 }), "limit"],
    ["orders.list with a cursor no list gave", (api) => api.orders.list({ cursor: "0 OR 1=1" }), "cursor"],
    [
      "orders.list with an account id that is not a uuid",
      (api) => api.orders.list({ accountId: "x" }),
      "accountId",
    ],
    ["orders.list with a user id", (api) => api.orders.list({ userId: randomUUID() } as never), ""],
    ["cache.invalidate with a user id", (api) => api.cache.invalidate({ userId: randomUUID() } as never), ""],
  ];

  it.each(otherCases)("rejects %s; database and exchange untouched", (_name, call, field) =>
    rejected(() => call(trader.api), field),
  );

  it("auth.login rejects an over-long email, an empty password and unknown keys", async () => {
    await rejected(
      () => f.anonymous.auth.login({ email: `${"a".repeat(250)}@example.com`, password: "x" }),
      "email",
    );
    await rejected(() => f.anonymous.auth.login({ email: trader.email, password: "" }), "password");
    await rejected(
      () => f.anonymous.auth.login({ email: trader.email, password: "x", role: "ADMIN" } as never),
      "",
    );
  });

  it("rejects malformed login and close input", async () => {
    const login = await failureOf(f.anonymous.auth.login({ email: "not-an-email", password: "x" }));
    expect(Object.keys(shapeOf(login).data.zodError?.fieldErrors ?? {})).toEqual(["email"]);
    const longPassword = await failureOf(
      f.anonymous.auth.login({ email: "a@example.com", password: "x".repeat(257) }),
    );
    expect(Object.keys(shapeOf(longPassword).data.zodError?.fieldErrors ?? {})).toEqual(["password"]);
    const close = await failureOf(trader.api.positions.close({ positionId: "../etc" }));
    expect(Object.keys(shapeOf(close).data.zodError?.fieldErrors ?? {})).toEqual(["positionId"]);
    const dataType = await failureOf(trader.api.cache.invalidate({ dataType: "everything" } as never));
    expect(Object.keys(shapeOf(dataType).data.zodError?.fieldErrors ?? {})).toEqual(["dataType"]);
  });
});
