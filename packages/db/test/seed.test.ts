import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, DEMO_PASSWORD, isEmptyDatabase, seed, verifyPassword } from "../src/index.ts";
import { createTestDatabase } from "../src/testing/index.ts";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

const everything = () =>
  db.prisma.user.findMany({
    orderBy: { email: "asc" },
    include: {
      accounts: {
        include: {
          positions: { orderBy: { openedAt: "asc" } },
          orders: { orderBy: { clientOrderId: "asc" } },
        },
      },
    },
  });

describe("seed", () => {
  it("fills an empty database with the demo desk", async () => {
    expect(await isEmptyDatabase(db.prisma)).toBe(true);
    expect(await seed(db.prisma)).toEqual({ created: true });
    expect(await isEmptyDatabase(db.prisma)).toBe(false);

    const users = await everything();
    expect(users.map((u) => u.email)).toEqual(["demo@example.com", "ops@example.com"]);
    for (const user of users) {
      expect(await verifyPassword(DEMO_PASSWORD, user.passwordHash)).toBe(true);
      expect(user.accounts.map((a) => [a.exchange, a.label])).toEqual([["SIMULATED", "Simulated"]]);
    }
  });

  it("opens positions on BTC, ETH and SOL at realistic prices, some protected", async () => {
    const [demo] = await everything();
    const { positions, orders } = demo!.accounts[0]!;
    const open = positions.filter((p) => p.status === "OPEN");
    expect(new Set(open.map((p) => p.symbol))).toEqual(new Set(["BTCUSDT", "ETHUSDT", "SOLUSDT"]));
    const btc = open.find((p) => p.symbol === "BTCUSDT")!;
    expect(btc.entryPrice.toString()).toBe("64250.5");
    expect(btc.quantity.toString()).toBe("0.5");

    const protection = orders.filter((o) => o.positionId === btc.id && o.status === "NEW");
    expect(protection.map((o) => [o.role, o.type, o.side, o.reduceOnly, o.triggerPrice?.toString()])).toEqual(
      [
        ["STOP_LOSS", "STOP_MARKET", "SELL", true, "62000"],
        ["TAKE_PROFIT", "TAKE_PROFIT_MARKET", "SELL", true, "68500"],
      ],
    );
    expect(open.some((p) => orders.every((o) => o.positionId !== p.id || o.role === "ENTRY"))).toBe(true);
  });

  it("keeps a history: filled entries, and a closed position with its realized PnL", async () => {
    const [demo] = await everything();
    const { positions, orders } = demo!.accounts[0]!;
    for (const position of positions) {
      const entry = orders.find((o) => o.positionId === position.id && o.role === "ENTRY");
      expect(entry).toMatchObject({ status: "FILLED", type: "MARKET", reduceOnly: false });
      expect(entry!.filledQuantity.equals(position.quantity)).toBe(true);
      expect(entry!.averagePrice!.equals(position.entryPrice)).toBe(true);
    }
    const closed = positions.find((p) => p.status === "CLOSED")!;
    // long 0.2 BTC from 61800 to 63150.25
    expect(closed.realizedPnl.toString()).toBe("270.05");
    expect(closed.closedAt).toBeInstanceOf(Date);
    expect(orders.find((o) => o.positionId === closed.id && o.role === "EXIT")).toMatchObject({
      status: "FILLED",
      reduceOnly: true,
      side: "SELL",
    });
  });

  it("changes nothing when run again", async () => {
    const before = await everything();
    expect(await seed(db.prisma)).toEqual({ created: false });
    expect(await everything()).toEqual(before);
  });
});
