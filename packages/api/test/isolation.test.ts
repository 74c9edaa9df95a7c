import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture, failureOf } from "./support.ts";

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
    for (const call of [
      (id: string) => bob.api.positions.close({ positionId: id }),
      (id: string) => bob.api.positions.modifySlTp({ positionId: id, stopLoss: "61000" }),
    ]) {
      const theirs = await failureOf(call(positionId));
      const missing = await failureOf(call(randomUUID()));
      expect(theirs.code).toBe("NOT_FOUND");
      expect({ code: theirs.code, message: theirs.message }).toEqual({
        code: missing.code,
        message: missing.message,
      });
    }
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
    expect(theirs.message).toBe(missing.message);
    expect(f.exchange.stats().calls.placeOrder).toBe(placed);
  });

  it("reads show only the caller's own accounts, positions and orders", async () => {
    expect(await bob.api.accounts.list()).toEqual([expect.objectContaining({ id: bob.accountId })]);
    const balances = await bob.api.dashboard.balances();
    expect(balances.data.positions).toEqual([]);
    expect(JSON.stringify(balances)).not.toContain(alice.accountId);
    expect((await bob.api.orders.list()).items).toEqual([]);
    expect((await bob.api.orders.list({ accountId: alice.accountId })).items).toEqual([]);
    expect((await bob.api.orders.list({ cursor: orderId })).items).toEqual([]);
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
