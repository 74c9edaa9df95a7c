import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlAccessOf } from "../src/connection/database.ts";
import { type Database, maintainOrderPartitions, orderPartitions } from "../src/index.ts";
import { createTestAccount, createTestDatabase } from "../src/testing/index.ts";

let db: Database;
let accountId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  accountId = await createTestAccount(db, "partitions@example.com");
});
afterAll(() => db.close());

const placeOrder = (createdAt: Date, clientOrderId: string = randomUUID()) =>
  db.prisma.order.create({
    data: {
      accountId,
      role: "ENTRY",
      clientOrderId,
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.01",
      createdAt,
    },
  });

/** The partition a stored order is in. */
async function partitionOf(id: string): Promise<string> {
  const { withSession } = sqlAccessOf(db);
  const [row] = await withSession((s) =>
    s.query<{ name: string }>("SELECT tableoid::regclass::text AS name FROM orders WHERE id = $1", [id]),
  );
  return row!.name.replace(/^.*\./, "").replace(/"/g, "");
}

const names = async () => (await orderPartitions(db)).months.map((m) => m.name);
const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("orders partitioned by month", () => {
  it("migrates with this month's partition and three months ahead, and an empty default partition", async () => {
    const now = new Date();
    const month = (ahead: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1));
      return `orders_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    };
    // The migration ran when the test database was built (possibly an earlier month's snapshot):
    // maintenance with today's clock brings it to today.
    await maintainOrderPartitions(db, { now });
    const partitions = await orderPartitions(db);
    expect(partitions.months.map((m) => m.name)).toEqual(expect.arrayContaining([0, 1, 2, 3].map(month)));
    expect(partitions.defaultRows).toBe(0);
    const order = await placeOrder(now);
    expect(await partitionOf(order.id)).toBe(month(0));
  });

  it("creates a new month's partition before it is needed, and reports how far ahead it is covered", async () => {
    const result = await maintainOrderPartitions(db, { now: utc("2031-01-15"), monthsAhead: 2 });
    expect(result.created).toEqual(["orders_2031_01", "orders_2031_02", "orders_2031_03"]);
    expect(result.monthsAhead).toBe(2);
    // Running again is a no-op.
    expect((await maintainOrderPartitions(db, { now: utc("2031-01-20"), monthsAhead: 2 })).created).toEqual(
      [],
    );
    // An order placed at the first instant of the new month lands in its own partition.
    const order = await placeOrder(utc("2031-03-01"));
    expect(await partitionOf(order.id)).toBe("orders_2031_03");
    expect((await orderPartitions(db)).defaultRows).toBe(0);
  });

  it("moves orders that landed in the default partition into their month when it is created", async () => {
    const early = await placeOrder(utc("2035-06-10"), "landed-early");
    expect(await partitionOf(early.id)).toBe("orders_default");
    expect((await orderPartitions(db)).defaultRows).toBe(1);

    const result = await maintainOrderPartitions(db, { now: utc("2035-05-31"), monthsAhead: 1 });
    expect(result.created).toEqual(["orders_2035_05", "orders_2035_06"]);
    expect(await partitionOf(early.id)).toBe("orders_2035_06");
    expect((await orderPartitions(db)).defaultRows).toBe(0);
    // Its client order id is still taken.
    await expect(placeOrder(utc("2035-06-11"), "landed-early")).rejects.toMatchObject({ code: "P2002" });
  });

  it("keeps (account, clientOrderId) unique across months, and frees it when the order is deleted", async () => {
    const first = await placeOrder(utc("2031-01-02"), "idempotency-key");
    await expect(placeOrder(utc("2031-02-02"), "idempotency-key")).rejects.toMatchObject({ code: "P2002" });
    expect(await db.prisma.order.count({ where: { clientOrderId: "idempotency-key" } })).toBe(1);
    expect(
      await db.prisma.order.findUnique({
        where: { accountId_clientOrderId: { accountId, clientOrderId: "idempotency-key" } },
      }),
    ).toMatchObject({ id: first.id });
    await db.prisma.order.delete({ where: { id: first.id } });
    const again = await placeOrder(utc("2031-02-02"), "idempotency-key");
    expect(await partitionOf(again.id)).toBe("orders_2031_02");
  });

  it("detaches the months past the retention and nothing else; drop deletes them and frees their ids", async () => {
    await maintainOrderPartitions(db, { now: utc("2040-01-01"), monthsAhead: 3 });
    const kept = await placeOrder(utc("2040-03-05"));
    const old = await placeOrder(utc("2040-01-05"), "old-order");
    const before = await names();

    // At 2040-04 keeping 2 months means 2040-03 and 2040-04 stay; 2040-01 and 2040-02 and every
    // earlier month go.
    const detached = await maintainOrderPartitions(db, {
      now: utc("2040-04-10"),
      monthsAhead: 0,
      retentionMonths: 2,
    });
    const after = await names();
    expect(detached.retired).toEqual(before.filter((name) => name < "orders_2040_03"));
    expect(after).toEqual(before.filter((name) => name >= "orders_2040_03"));
    expect(await db.prisma.order.findUnique({ where: { id: kept.id } })).not.toBeNull();
    expect(await db.prisma.order.findUnique({ where: { id: old.id } })).toBeNull();
    // Detached, not lost: the month is a table of its own.
    const { withSession } = sqlAccessOf(db);
    const [archived] = await withSession((s) =>
      s.query<{ count: string }>("SELECT count(*)::text AS count FROM orders_2040_01"),
    );
    expect(archived?.count).toBe("1");

    await maintainOrderPartitions(db, {
      now: utc("2040-05-10"),
      monthsAhead: 0,
      retentionMonths: 1,
      retention: "drop",
    });
    expect(await names()).toEqual(["orders_2040_05"]);
    const [table] = await withSession((s) =>
      s.query<{ found: string | null }>("SELECT to_regclass('orders_2040_03')::text AS found"),
    );
    expect(table?.found).toBeNull();
    // The dropped month's client order ids are free again; the detached one's stay taken.
    await placeOrder(utc("2040-05-11"), kept.clientOrderId);
    await expect(placeOrder(utc("2040-05-12"), "old-order")).rejects.toMatchObject({ code: "P2002" });
  });

  it("refuses a retention of less than one month", async () => {
    await expect(maintainOrderPartitions(db, { now: new Date(), retentionMonths: 0 })).rejects.toThrow(
      /retentionMonths/,
    );
  });
});
