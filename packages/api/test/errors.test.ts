import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwtKey, signToken } from "../src/auth/token.ts";
import {
  type ApiFixture,
  createApiFixture,
  failureOf,
  JWT_SECRET,
  shapeOf,
  TEST_PASSWORD,
} from "./testing/api-fixture.ts";

describe("errors as clients see them", () => {
  let f: ApiFixture;
  let trader: Awaited<ReturnType<ApiFixture["signedInTrader"]>>;
  beforeAll(async () => {
    f = await createApiFixture();
    trader = await f.signedInTrader();
  });
  afterAll(() => f.close());

  const market = () =>
    ({
      accountId: trader.accountId,
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.01",
    }) as const;

  it("exchange rate limit -> TOO_MANY_REQUESTS with retryAfterMs, nothing written", async () => {
    f.exchange.injectFault({ kind: "rate-limited", retryAfterMs: 7_000 }, { operation: "placeOrder" });
    const error = await failureOf(trader.api.orders.create(market()));
    expect(error.code).toBe("TOO_MANY_REQUESTS");
    expect(shapeOf(error).data).toMatchObject({ httpStatus: 429, retryAfterMs: 7_000, zodError: null });
    expect(await liveOrNew(trader.accountId)).toEqual([]);
  });

  it("exchange unavailable -> SERVICE_UNAVAILABLE with a clear message, nothing written", async () => {
    f.exchange.injectFault({ kind: "timeout" }, { operation: "placeOrder" });
    const error = await failureOf(trader.api.orders.create(market()));
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.message).toMatch(/exchange is unavailable; nothing was changed/);
    expect(shapeOf(error).data.httpStatus).toBe(503);
    f.exchange.injectFault({ kind: "server-error" }, { operation: "getAccountSnapshot" });
    expect((await failureOf(trader.api.dashboard.balances())).code).toBe("SERVICE_UNAVAILABLE");
    expect(await liveOrNew(trader.accountId)).toEqual([]);
  });

  /**
   * Every row and every open exchange order of the trader, to show a failed request changed
   * nothing but the record of its own attempts: intents resolved REJECTED or CANCELED.
   */
  async function everything() {
    return {
      orders: await f.prisma.order.findMany({
        where: { status: { notIn: ["REJECTED", "CANCELED"] } },
        orderBy: { id: "asc" },
      }),
      positions: await f.prisma.position.findMany({ orderBy: { id: "asc" } }),
      onExchange: await f.exchange.openOrders({ id: trader.accountId }),
    };
  }

  /** Rows of the account other than resolved failed attempts, and its positions. */
  async function liveOrNew(accountId: string) {
    const orders = await f.prisma.order.findMany({ where: { accountId, status: { not: "REJECTED" } } });
    const positions = await f.prisma.position.findMany({ where: { accountId } });
    return [...orders, ...positions];
  }

  async function protectedLong(symbol: string, mark: string, stopLoss: string, takeProfit: string) {
    await f.exchange.setMarkPrice(symbol, mark);
    const created = await trader.api.orders.create({
      ...market(),
      symbol,
      quantity: symbol === "XRPUSDT" ? "100" : "0.01", // in the symbol's steps, over 5 USDT
      stopLoss,
      takeProfit,
    });
    return created.position!.id;
  }

  it("modifySlTp: the exchange failing on the second new order -> TOO_MANY_REQUESTS, the first taken back, nothing written", async () => {
    const positionId = await protectedLong("BNBUSDT", "600", "550", "650");
    const before = await everything();
    let placed = 0;
    f.hooks.afterPlaceOrder = async () => {
      placed += 1;
      if (placed === 1)
        f.exchange.injectFault({ kind: "rate-limited", retryAfterMs: 2_500 }, { operation: "placeOrder" });
    };
    try {
      const error = await failureOf(
        trader.api.positions.modifySlTp({ positionId, stopLoss: "560", takeProfit: "660" }),
      );
      expect(error.code).toBe("TOO_MANY_REQUESTS");
      expect(shapeOf(error).data).toMatchObject({ httpStatus: 429, retryAfterMs: 2_500 });
    } finally {
      delete f.hooks.afterPlaceOrder;
    }
    expect(placed).toBe(1);
    expect(await everything()).toEqual(before);
  });

  it("close: the exchange unavailable for the exit -> SERVICE_UNAVAILABLE, position and protection as they were", async () => {
    const positionId = await protectedLong("XRPUSDT", "0.6", "0.5", "0.7");
    const before = await everything();
    f.exchange.injectFault({ kind: "timeout" }, { operation: "placeOrder" });
    const error = await failureOf(trader.api.positions.close({ positionId }));
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(await everything()).toEqual(before);
    // Still closable once the exchange answers.
    expect((await trader.api.positions.close({ positionId })).position.status).toBe("CLOSED");
  });

  it("order status unknown -> SERVICE_UNAVAILABLE naming the clientOrderId; the retry with it records the one order", async () => {
    const clientOrderId = randomUUID();
    const input = { ...market(), symbol: "ETHUSDT", clientOrderId };
    f.exchange.injectFault({ kind: "server-error-after-accept" }, { operation: "placeOrder" });
    f.exchange.injectFault({ kind: "timeout" }, { operation: "getOrder" });
    const error = await failureOf(trader.api.orders.create(input));
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.message).toContain(`retry with the same clientOrderId`);
    expect(error.message).toContain(clientOrderId);
    // Its intent stays PENDING: the retry (or the reconciler) settles it.
    expect(await f.prisma.order.findMany({ where: { clientOrderId }, select: { status: true } })).toEqual([
      { status: "PENDING" },
    ]);

    // The exchange did take it: the retry records that order instead of failing as a duplicate.
    const retried = await trader.api.orders.create(input);
    expect(retried).toMatchObject({ created: true, order: { clientOrderId, status: "FILLED" } });
    const onExchange = (await f.exchange.getAccountSnapshot({ id: trader.accountId })).positions;
    expect(onExchange.find((p) => p.symbol === "ETHUSDT")?.quantity.toFixed()).toBe(
      retried.position!.quantity,
    );
    expect((await trader.api.orders.create(input)).created).toBe(false);
  });

  it("exchange rejection -> BAD_REQUEST carrying the exchange's reason", async () => {
    // 100 BTC: within the symbol's filters, beyond the account's margin.
    const error = await failureOf(trader.api.orders.create({ ...market(), quantity: "100" }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/^the exchange rejected it: quantity: margin is insufficient/);
  });

  it("an order the exchange's filters refuse -> BAD_REQUEST naming the field and the rule, before any exchange call", async () => {
    f.exchange.resetStats();
    const unlisted = await failureOf(trader.api.orders.create({ ...market(), symbol: "NOPEUSDT" }));
    expect([unlisted.code, unlisted.message]).toEqual([
      "BAD_REQUEST",
      "symbol: NOPEUSDT is not listed on this exchange",
    ]);
    const step = await failureOf(trader.api.orders.create({ ...market(), quantity: "0.0001" }));
    expect([step.code, step.message]).toEqual([
      "BAD_REQUEST",
      "quantity: quantity must be a multiple of 0.001 BTC (the step)",
    ]);
    expect(f.exchange.stats().calls.placeOrder).toBeUndefined();
  });

  it("closing a closed position -> CONFLICT", async () => {
    const created = await trader.api.orders.create({ ...market(), symbol: "DOGEUSDT", quantity: "100" });
    await trader.api.positions.close({ positionId: created.position!.id });
    const error = await failureOf(trader.api.positions.close({ positionId: created.position!.id }));
    expect(error.code).toBe("CONFLICT");
  });

  it("an unexpected failure is INTERNAL_SERVER_ERROR without internals in the message", () => {
    const error = new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: 'relation "orders" does not exist',
      cause: new Error('relation "orders" does not exist'),
    });
    const shape = shapeOf(error);
    expect(shape.message).toBe("internal error");
    expect(JSON.stringify(shape)).not.toContain("relation");
  });

  describe("auth", () => {
    it("gives the same UNAUTHORIZED for an unknown email and a wrong password", async () => {
      const unknown = await failureOf(
        f.anonymous.auth.login({ email: "nobody@example.com", password: TEST_PASSWORD }),
      );
      const wrong = await failureOf(
        f.anonymous.auth.login({ email: trader.email, password: "wrong password" }),
      );
      expect([unknown.code, unknown.message]).toEqual(["UNAUTHORIZED", "wrong email or password"]);
      expect([wrong.code, wrong.message]).toEqual([unknown.code, unknown.message]);
    });

    it("matches the email case-insensitively but never as a pattern", async () => {
      const { user } = await f.anonymous.auth.login({
        email: trader.email.toUpperCase(),
        password: TEST_PASSWORD,
      });
      expect(user.email).toBe(trader.email);
      const wildcard = `${trader.email.slice(0, 2)}_${trader.email.slice(3)}`;
      const error = await failureOf(f.anonymous.auth.login({ email: wildcard, password: TEST_PASSWORD }));
      expect(error.code).toBe("UNAUTHORIZED");
    });

    it("issues a 12-hour HS256 token whose subject is the user id, and refuses it once expired", async () => {
      const { token, user } = await f.anonymous.auth.login({
        email: trader.email.toUpperCase(),
        password: TEST_PASSWORD,
      });
      const [header, payload] = token
        .split(".")
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
      expect(header.alg).toBe("HS256");
      expect(payload.sub).toBe(user.id);
      expect(payload.exp - payload.iat).toBe(12 * 60 * 60);

      const expired = await signToken(
        jwtKey(JWT_SECRET),
        user.id,
        new Date(Date.now() - 13 * 60 * 60 * 1000),
      );
      const caller = await f.callerFor(`Bearer ${expired}`);
      expect((await failureOf(caller.auth.me())).code).toBe("UNAUTHORIZED");
      const otherSecret = await signToken(jwtKey("another-secret-of-at-least-32-bytes!!"), user.id);
      expect((await failureOf((await f.callerFor(`Bearer ${otherSecret}`)).auth.me())).code).toBe(
        "UNAUTHORIZED",
      );
    });

    it("refuses a JWT secret shorter than 32 bytes", async () => {
      expect(() => jwtKey("short")).toThrow(/at least 32 bytes/);
    });
  });
});
