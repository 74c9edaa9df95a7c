import { randomUUID } from "node:crypto";
import type { DeskEvent } from "@tradedesk/core";
import { isTrackedEnvelope } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture, failureOf, shapeOf } from "./testing/api-fixture.ts";

describe("isolation between users", () => {
  let f: ApiFixture;
  let alice: Awaited<ReturnType<ApiFixture["signedInTrader"]>>;
  let bob: Awaited<ReturnType<ApiFixture["signedInTrader"]>>;
  let positionId: string;
  let orderId: string;

  beforeAll(async () => {
    f = await createApiFixture();
    alice = await f.signedInTrader();
    bob = await f.signedInTrader();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    const created = await alice.api.orders.create({
      accountId: alice.accountId,
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.2",
      stopLoss: "60000",
    });
    positionId = created.position!.id;
    orderId = created.order.id;
  });
  afterAll(() => f.close());

  it("another user's position is NOT_FOUND exactly like a missing one, for close and modify", async () => {
    const calls = { ...f.exchange.stats().calls };
    const rows = await f.prisma.order.findMany({ orderBy: { id: "asc" } });
    for (const call of [
      (id: string) => bob.api.positions.close({ positionId: id }),
      (id: string) => bob.api.positions.modifySlTp({ positionId: id, stopLoss: "61000" }),
      (id: string) => bob.api.positions.modifySlTp({ positionId: id, stopLoss: null }),
    ]) {
      const theirs = await failureOf(call(positionId));
      const missing = await failureOf(call(randomUUID()));
      expect(theirs.code).toBe("NOT_FOUND");
      expect({ code: theirs.code, message: theirs.message }).toEqual({
        code: missing.code,
        message: missing.message,
      });
      // What the client receives is the same, to the byte.
      expect(shapeOf(theirs)).toEqual(shapeOf(missing));
    }
    expect(f.exchange.stats().calls).toEqual(calls);
    expect(await f.prisma.order.findMany({ orderBy: { id: "asc" } })).toEqual(rows);
    const alicesView = await alice.api.dashboard.balances();
    expect(alicesView.data.positions).toEqual([
      expect.objectContaining({
        id: positionId,
        stopLoss: expect.objectContaining({ triggerPrice: "60000" }),
      }),
    ]);
  });

  it("another user's account is NOT_FOUND for orders.create, and nothing reaches the exchange", async () => {
    const placed = f.exchange.stats().calls.placeOrder;
    const theirs = await failureOf(
      bob.api.orders.create({
        accountId: alice.accountId,
        symbol: "ETHUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      }),
    );
    const missing = await failureOf(
      bob.api.orders.create({
        accountId: randomUUID(),
        symbol: "ETHUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      }),
    );
    expect(theirs.code).toBe("NOT_FOUND");
    expect(shapeOf(theirs)).toEqual(shapeOf(missing));
    expect(f.exchange.stats().calls.placeOrder).toBe(placed);
  });

  it("another user's account is NOT_FOUND for market.symbols, exactly like a missing one", async () => {
    const theirs = await failureOf(bob.api.market.symbols({ accountId: alice.accountId }));
    const missing = await failureOf(bob.api.market.symbols({ accountId: randomUUID() }));
    expect(theirs.code).toBe("NOT_FOUND");
    expect(shapeOf(theirs)).toEqual(shapeOf(missing));
  });

  it("reads show only the caller's own accounts, positions and orders", async () => {
    expect(await bob.api.accounts.list()).toEqual([expect.objectContaining({ id: bob.accountId })]);
    const balances = await bob.api.dashboard.balances();
    expect(balances.data.positions).toEqual([]);
    expect(JSON.stringify(balances)).not.toContain(alice.accountId);
    expect((await bob.api.orders.list()).items).toEqual([]);
    expect((await bob.api.orders.list({ accountId: alice.accountId })).items).toEqual([]);
    const alicesCursor = (await alice.api.orders.list({ limit: 1 })).nextCursor;
    expect(alicesCursor).not.toBeNull();
    expect((await bob.api.orders.list({ cursor: alicesCursor! })).items).toEqual([]);
  });

  it("a list cursor is a place in the caller's own list: another user's shows none of their orders", async () => {
    const carol = await f.signedInTrader();
    for (const symbol of ["SOLUSDT", "BNBUSDT"]) {
      await carol.api.orders.create({
        accountId: carol.accountId,
        symbol,
        side: "BUY",
        type: "MARKET",
        quantity: "2",
      });
    }
    // Carol's orders are older than Alice's: Alice's cursor places Carol's list before them all.
    await f.prisma.order.updateMany({
      where: { accountId: carol.accountId },
      data: { createdAt: new Date(0) },
    });
    const alicesCursor = (await alice.api.orders.list({ limit: 1 })).nextCursor!;
    const theirs = await carol.api.orders.list({ cursor: alicesCursor });
    expect(theirs.items.map((order) => order.accountId)).toEqual([carol.accountId, carol.accountId]);
    // An order id is not a cursor.
    expect((await failureOf(carol.api.orders.list({ cursor: orderId }))).code).toBe("BAD_REQUEST");
    // Carol's own cursor pages.
    const page = await carol.api.orders.list({ limit: 1 });
    expect(page.items).toHaveLength(1);
    const next = await carol.api.orders.list({ cursor: page.nextCursor! });
    expect(next.items.map((order) => order.id)).not.toContain(page.items[0]!.id);
    expect(next.items).toHaveLength(1);
  });

  it("dashboard.events tells a user nothing of another user's changes or prices", async () => {
    const controller = new AbortController();
    const bobsStream = await f.callerFor(`Bearer ${bob.token}`, controller.signal);
    const stream = (await bobsStream.dashboard.events())[Symbol.asyncIterator]();
    const next = async () => {
      const result = await stream.next();
      if (result.done) return null;
      const envelope: unknown = result.value;
      if (!isTrackedEnvelope<DeskEvent>(envelope)) throw new Error("expected a tracked event");
      return envelope[1];
    };
    expect(await next()).toEqual({ type: "balances-changed", reason: "subscribed" });
    // Alice trades, her prices move and she clears her cache; then Bob clears his own.
    await alice.api.orders.create({
      accountId: alice.accountId,
      symbol: "XRPUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "10",
    });
    await f.exchange.setMarkPrice("BTCUSDT", "65100");
    await f.exchange.setMarkPrice("XRPUSDT", "0.75");
    await alice.api.cache.invalidate();
    await bob.api.cache.invalidate();
    // Events arrive in order: the first Bob sees after subscribing is his own.
    expect(await next()).toEqual({ type: "balances-changed", reason: "all data changed" });
    controller.abort();
    expect(await next()).toBeNull();
  });

  it("a user can neither invalidate nor read another user's cache entries", async () => {
    await bob.api.cache.invalidate(); // Bob's own entries, if any, are gone
    await alice.api.dashboard.balances();
    expect((await alice.api.dashboard.balances()).fromCache).toBe(true);
    expect(await bob.api.cache.invalidate()).toEqual({ invalidated: 0 });
    expect(await bob.api.cache.invalidate({ dataType: "balances_summary" })).toEqual({ invalidated: 0 });
    expect((await alice.api.dashboard.balances()).fromCache).toBe(true);
    // A user id in the input is not an option, it is an error.
    const smuggled = await failureOf(bob.api.cache.invalidate({ userId: alice.user.id } as never));
    expect(smuggled.code).toBe("BAD_REQUEST");
    expect((await bob.api.dashboard.balances()).data.positions).toEqual([]);
  });

  it("refuses every procedure but login without a valid token", async () => {
    const stranger = await f.callerFor(null);
    const forged = await f.callerFor(`Bearer ${alice.token.slice(0, -4)}AAAA`);
    for (const caller of [stranger, forged]) {
      expect((await failureOf(caller.dashboard.balances())).code).toBe("UNAUTHORIZED");
      expect((await failureOf(caller.positions.close({ positionId }))).code).toBe("UNAUTHORIZED");
      expect((await failureOf(caller.cache.invalidate())).code).toBe("UNAUTHORIZED");
      expect((await failureOf(caller.cache.metrics())).code).toBe("UNAUTHORIZED");
    }
  });
});
