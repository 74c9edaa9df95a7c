import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, migrate, orderPartitions } from "../src/index.ts";
import { defaultMigrationsDir } from "../src/migrations/migration-files.ts";
import { createTestDatabase } from "../src/testing/index.ts";

const PARTITIONING = "20261201090000_orders_partitioned_by_month";

let db: Database;
let before: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  // The migrations up to the one that partitions orders.
  before = mkdtempSync(join(tmpdir(), "tradedesk-before-partitioning-"));
  for (const name of readdirSync(defaultMigrationsDir)) {
    if (name < PARTITIONING)
      cpSync(join(defaultMigrationsDir, name), join(before, name), { recursive: true });
  }
});
afterAll(async () => {
  await db.close();
  rmSync(before, { recursive: true, force: true });
});

describe("the migration that partitions orders", () => {
  it("keeps every order written before it, each in its month's partition, client order ids still unique", async () => {
    await migrate(db, { migrationsDir: before });
    const [account] = await db.prisma.$queryRawUnsafe<{ id: string }[]>(
      `WITH u AS (INSERT INTO users (id, email, password_hash, updated_at)
                  VALUES (gen_random_uuid(), 'old@example.com', 'x', now()) RETURNING id)
       INSERT INTO exchange_accounts (id, user_id, exchange, label, updated_at)
       SELECT gen_random_uuid(), id, 'SIMULATED', 'Simulated', now() FROM u RETURNING id`,
    );
    for (const [clientOrderId, createdAt] of [
      ["older", "2025-03-14T10:00:00Z"],
      ["newer", "2026-11-02T08:30:00Z"],
    ]) {
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO orders (id, account_id, role, client_order_id, symbol, side, type, quantity, status,
                             filled_quantity, average_price, created_at, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, 'ENTRY', $2, 'BTCUSDT', 'BUY', 'MARKET', 0.5, 'FILLED', 0.5, 65000.25,
                 $3::timestamptz, now())`,
        account!.id,
        clientOrderId,
        createdAt,
      );
    }

    expect((await migrate(db)).applied).toContain(PARTITIONING);

    const rows = await db.prisma.$queryRawUnsafe<
      { client_order_id: string; partition: string; fee: string }[]
    >(
      `SELECT client_order_id, tableoid::regclass::text AS partition, fee::text AS fee
         FROM orders ORDER BY created_at`,
    );
    expect(rows.map((r) => [r.client_order_id, r.partition.replace(/^.*\./, ""), r.fee])).toEqual([
      ["older", "orders_2025_03", "0.000000000000000000"],
      ["newer", "orders_2026_11", "0.000000000000000000"],
    ]);
    const partitions = await orderPartitions(db);
    // Every month from the oldest order's through three months ahead of today, none missing.
    const months = partitions.months.map((m) => m.from.toISOString().slice(0, 7));
    expect(months[0]).toBe("2025-03");
    expect(new Set(months).size).toBe(months.length);
    for (let i = 1; i < months.length; i++) {
      const previous = new Date(`${months[i - 1]}-01T00:00:00Z`);
      previous.setUTCMonth(previous.getUTCMonth() + 1);
      expect(months[i]).toBe(previous.toISOString().slice(0, 7));
    }
    expect(partitions.defaultRows).toBe(0);
    await expect(
      db.prisma.order.create({
        data: {
          accountId: account!.id,
          role: "ENTRY",
          clientOrderId: "older",
          symbol: "BTCUSDT",
          side: "BUY",
          type: "MARKET",
          quantity: "1",
        },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
  });
});
