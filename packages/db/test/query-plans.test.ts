import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/index.ts";
import {
  createTestAccount,
  createTestDatabase,
  explain,
  leadingColumns,
  scansOf,
} from "../src/testing/index.ts";

let db: Database;
let accountId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  accountId = await createTestAccount(db, "plans@example.com");
  await db.prisma.position.createMany({
    data: Array.from({ length: 3 }, (_, i) => ({
      accountId,
      symbol: `SYM${i}USDT`,
      side: "LONG" as const,
      quantity: "1",
      entryPrice: "100",
    })),
  });
});
afterAll(() => db.close());

describe("query plan helpers", () => {
  it("explains a statement with its parameters bound: the tables it reads, how, by which index and condition", async () => {
    const id = randomUUID();
    const plan = await explain(db, "SELECT * FROM positions WHERE id = $1::uuid", [id]);
    expect(scansOf(plan)).toEqual([
      {
        node: "Index Scan",
        table: "positions",
        indexes: ["positions_pkey"],
        indexConditions: [`(id = '${id}'::uuid)`],
        rowsRead: null,
      },
    ]);
  });

  it("run: counts the rows a scan read, those its filter dropped included", async () => {
    const plan = await explain(db, "SELECT * FROM positions WHERE symbol || '' = $1", ["SYM1USDT"], {
      run: true,
    });
    expect(scansOf(plan)).toEqual([
      expect.objectContaining({ node: "Seq Scan", table: "positions", rowsRead: 3 }),
    ]);
  });

  it("knows each index's first column, partitions' own indexes included", async () => {
    const columns = await leadingColumns(db);
    expect(columns.get("positions_pkey")).toBe("id");
    expect(columns.get("positions_account_id_status_closed_at_idx")).toBe("account_id");
    expect(
      [...columns].filter(([index]) => /^orders_\d{4}_\d{2}_account_id_status_idx$/.test(index)).length,
    ).toBeGreaterThan(0);
  });
});
