import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlAccessOf } from "../src/connection/database.ts";
import { actualSchema } from "../src/drift/actual-schema.ts";
import { checkDrift } from "../src/drift/check-drift.ts";
import { compareSchemas } from "../src/drift/compare-schemas.ts";
import { expectedSchema, readSchemaFile } from "../src/drift/expected-schema.ts";
import type { Database } from "../src/index.ts";
import { createTestDatabase } from "../src/testing/index.ts";

const schemaText = readSchemaFile();

/** schema.prisma with one edit; fails loudly if the edit no longer applies. */
function editedSchema(find: string, replace: string): string {
  expect(schemaText).toContain(find);
  return schemaText.replace(find, replace);
}

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe("drift between prisma/migrations and prisma/schema.prisma", () => {
  it("reads every model, column, index and foreign key from schema.prisma", () => {
    const shape = expectedSchema(schemaText);
    expect([...shape.tables.keys()].sort()).toEqual([
      "exchange_accounts",
      "materialized_view_refreshes",
      "order_client_ids",
      "orders",
      "positions",
      "reconcile_repairs",
      "reconcile_runs",
      "simulated_books",
      "users",
    ]);
    expect(shape.tables.get("orders")?.columns.get("trigger_price")).toEqual({
      type: "numeric(38,18)",
      nullable: true,
      default: null,
    });
    expect(shape.tables.get("orders")?.columns.get("status")).toEqual({
      type: "OrderStatus",
      nullable: false,
      default: "'NEW'",
    });
    expect(shape.tables.get("orders")?.indexes).toContain(
      "index orders_account_id_created_at_idx (account_id, created_at DESC)",
    );
    expect(shape.tables.get("orders")?.foreignKeys).toContain(
      "foreign key orders_position_id_fkey (position_id) -> positions (id) on delete SET NULL on update CASCADE",
    );
  });

  it("finds none: the migrated database matches schema.prisma", async () => {
    expect(await checkDrift(db)).toEqual([]);
  });

  it("reports exactly a column schema.prisma has and the migrations do not", async () => {
    const schema = editedSchema(
      "  averagePrice    Decimal?",
      "  note            String?\n  averagePrice    Decimal?",
    );
    expect(await checkDrift(db, schema)).toEqual([
      "column orders.note: in schema.prisma, missing in the database",
    ]);
  });

  it("reports a changed type, nullability and default", async () => {
    const schema = editedSchema(
      "leverage    Int             @default(1)",
      "leverage    BigInt?         @default(2)",
    );
    expect(await checkDrift(db, schema)).toEqual([
      "column positions.leverage: default 2 in schema.prisma, 1 in the database",
      "column positions.leverage: nullable in schema.prisma, NOT NULL in the database",
      "column positions.leverage: type bigint in schema.prisma, integer in the database",
    ]);
  });

  it("reports an index the database has and schema.prisma does not, and a changed unique", async () => {
    const schema = editedSchema("  @@index([accountId, status])\n", "").replace(
      "@@unique([userId, exchange, label])",
      "@@unique([userId, label])",
    );
    expect(await checkDrift(db, schema)).toEqual([
      "index orders_account_id_status_idx (account_id, status): in the database, not in schema.prisma",
      "unique exchange_accounts_user_id_exchange_label_key (user_id, exchange, label): in the database, not in schema.prisma",
      "unique exchange_accounts_user_id_label_key (user_id, label): in schema.prisma, missing in the database",
    ]);
  });

  it("expects a partitioned table's primary key with its partition key, and its uniques as plain indexes", async () => {
    const orders = expectedSchema(schemaText).tables.get("orders");
    expect(orders?.partitionBy).toBe("RANGE (created_at)");
    expect(orders?.indexes).toContain("primary key orders_pkey (id, created_at)");
    // @@unique([accountId, clientOrderId]): unique across partitions through order_client_ids.
    expect(orders?.indexes).toContain(
      "index orders_account_id_client_order_id_idx (account_id, client_order_id)",
    );
    expect(expectedSchema(schemaText).tables.get("order_client_ids")?.indexes).toContain(
      "primary key order_client_ids_pkey (account_id, client_order_id)",
    );
  });

  it("reports a table that is not partitioned as declared, and ignores the partitions themselves", async () => {
    const { schema, withSession } = sqlAccessOf(db);
    const actual = await withSession((session) => actualSchema(session, schema));
    expect([...actual.tables.keys()].filter((name) => name.startsWith("orders_"))).toEqual([]);
    actual.tables.get("orders")!.partitionBy = null;
    expect(compareSchemas(expectedSchema(schemaText), actual)).toEqual([
      "table orders: partitioned by RANGE (created_at) expected, not partitioned in the database",
    ]);
  });

  it("reports a changed enum, a changed relation action and a missing table", async () => {
    const schema = editedSchema("  PENDING_CANCEL\n}", "  PENDING_CANCEL\n  SUSPENDED\n}")
      .replace("references: [id], onDelete: SetNull)", "references: [id], onDelete: Cascade)")
      .replace('@@map("simulated_books")', '@@map("simulated_book")');
    expect(await checkDrift(db, schema)).toEqual([
      "enum OrderStatus: values (NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, PENDING, PENDING_CANCEL, SUSPENDED) in schema.prisma, (NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, PENDING, PENDING_CANCEL) in the database",
      "foreign key orders_position_id_fkey (position_id) -> positions (id) on delete CASCADE on update CASCADE: in schema.prisma, missing in the database",
      "foreign key orders_position_id_fkey (position_id) -> positions (id) on delete SET NULL on update CASCADE: in the database, not in schema.prisma",
      "table simulated_book: in schema.prisma, missing in the database",
      "table simulated_books: in the database, not in schema.prisma",
    ]);
  });
});
