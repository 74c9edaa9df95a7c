import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture, failureOf } from "./testing/api-fixture.ts";

// Adding against the fake Binance server is proven in core (exchange-account-admin.test.ts); here
// the procedures' inputs, ownership and the refusal of a server without a Binance connection.
describe("accounts procedures", () => {
  let f: ApiFixture;
  let alice: Awaited<ReturnType<ApiFixture["signedInTrader"]>>;
  let bob: Awaited<ReturnType<ApiFixture["signedInTrader"]>>;

  beforeAll(async () => {
    f = await createApiFixture();
    alice = await f.signedInTrader();
    bob = await f.signedInTrader();
  });
  afterAll(() => f.close());

  const binance = { label: "Main", apiKey: "k".repeat(64), apiSecret: "s".repeat(64), testnet: true };

  it("add: refused with a clear message when the server has no Binance connection; nothing stored", async () => {
    const error = await failureOf(alice.api.accounts.add(binance));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("exchange: this server has no Binance connection configured");
    expect(await f.prisma.exchangeAccount.count({ where: { userId: alice.userId } })).toBe(1);
  });

  it("add: bad input names the field", async () => {
    for (const [input, field] of [
      [{ ...binance, label: "" }, "label"],
      [{ ...binance, apiKey: "" }, "apiKey"],
      [{ ...binance, apiSecret: "x".repeat(300) }, "apiSecret"],
      [{ ...binance, exchange: "SIMULATED" }, "exchange"],
    ] as const) {
      const error = await failureOf(alice.api.accounts.add(input as never));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toContain(field);
    }
  });

  it("rename and remove: another user's account is NOT_FOUND, like a missing one", async () => {
    for (const accountId of [alice.accountId, randomUUID()]) {
      expect((await failureOf(bob.api.accounts.rename({ accountId, label: "Mine" }))).code).toBe("NOT_FOUND");
      expect((await failureOf(bob.api.accounts.remove({ accountId }))).code).toBe("NOT_FOUND");
    }
    expect(await alice.api.accounts.rename({ accountId: alice.accountId, label: "Paper" })).toMatchObject({
      id: alice.accountId,
      label: "Paper",
    });
    expect(await alice.api.accounts.list()).toEqual([
      { id: alice.accountId, exchange: "SIMULATED", label: "Paper", testnet: false },
    ]);
    expect(await alice.api.accounts.remove({ accountId: alice.accountId })).toEqual({ id: alice.accountId });
    expect(await alice.api.accounts.list()).toEqual([]);
  });

  it("logout answers without a session (nothing to clear in-process)", async () => {
    expect(await f.anonymous.auth.logout()).toEqual({ signedOut: true });
  });
});
