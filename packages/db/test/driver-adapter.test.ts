import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, Prisma } from "../src/index.ts";
import { createTestAccount, createTestDatabase } from "../src/testing/index.ts";

// What the rest of the code base relies on from the driver adapter (PGlite's or pg's): run on both.
let db: Database;
let accountId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  accountId = await createTestAccount(db, "adapter@example.com");
});
afterAll(() => db.close());

const position = (quantity: string, entryPrice: string) =>
  db.prisma.position.create({ data: { accountId, symbol: "BTCUSDT", side: "LONG", quantity, entryPrice } });

describe("driver adapter", () => {
  it("keeps numeric(38,18) exact, in and out", async () => {
    const created = await position("0.123456789012345678", "65000.000000000000000001");
    const read = await db.prisma.position.findUniqueOrThrow({ where: { id: created.id } });
    expect(read.quantity).toBeInstanceOf(Prisma.Decimal);
    expect(read.quantity.toFixed()).toBe("0.123456789012345678");
    expect(read.entryPrice.toFixed()).toBe("65000.000000000000000001");
    const [sum] = await db.prisma.$queryRaw<{ total: Prisma.Decimal }[]>`
      SELECT sum(quantity) AS total FROM positions WHERE id = ${created.id}::uuid`;
    expect(new Prisma.Decimal(sum!.total).toFixed()).toBe("0.123456789012345678");
  });

  it("round-trips timestamps with milliseconds, in UTC", async () => {
    const openedAt = new Date("2026-01-02T03:04:05.678Z");
    const created = await db.prisma.position.create({
      data: { accountId, symbol: "ETHUSDT", side: "SHORT", quantity: "1", entryPrice: "3400", openedAt },
    });
    expect((await db.prisma.position.findUniqueOrThrow({ where: { id: created.id } })).openedAt).toEqual(
      openedAt,
    );
  });

  it("round-trips JSON with decimal strings", async () => {
    const state = { balances: { USDT: "100000.50" }, positions: [{ symbol: "SOLUSDT", quantity: "2.5" }] };
    await db.prisma.simulatedBook.create({ data: { accountKey: "sim-1", state } });
    expect(
      (await db.prisma.simulatedBook.findUniqueOrThrow({ where: { accountKey: "sim-1" } })).state,
    ).toEqual(state);
  });

  it("binds uuid arrays (id = ANY(...)) in raw SQL and updateMany", async () => {
    const a = await position("1", "1");
    const b = await position("2", "2");
    const updated = await db.prisma.$executeRaw`
      UPDATE positions SET status = 'CLOSED' WHERE id = ANY(${[a.id, b.id]}::uuid[])`;
    expect(updated).toBe(2);
    expect(
      (await db.prisma.position.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { leverage: 3 } }))
        .count,
    ).toBe(2);
  });

  it("maps a unique violation to Prisma's P2002 and leaves the connection usable", async () => {
    await expect(
      db.prisma.user.create({ data: { email: "adapter@example.com", passwordHash: "y" } }),
    ).rejects.toMatchObject({ code: "P2002" });
    expect(await db.prisma.user.count()).toBe(1);
  });

  it("rolls back a transaction whose statement fails, and accepts an isolation level", async () => {
    await expect(
      db.prisma.$transaction(
        async (tx) => {
          await tx.user.create({ data: { email: "tx@example.com", passwordHash: "x" } });
          await tx.user.create({ data: { email: "adapter@example.com", passwordHash: "x" } });
        },
        { isolationLevel: "Serializable" },
      ),
    ).rejects.toMatchObject({ code: "P2002" });
    expect(await db.prisma.user.count({ where: { email: "tx@example.com" } })).toBe(0);
  });
});
