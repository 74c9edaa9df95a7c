/// <reference path="./vitest.d.ts" />
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { type Database, sqlAccessOf } from "../connection/database.ts";
import { assembleDatabase, openDatabase } from "../connection/open-database.ts";
import { openPglite } from "../connection/pglite.ts";
import type { OnQuery } from "../connection/query-hook.ts";
import { quoteIdent } from "../migrations/history-table.ts";
import { migrate } from "../migrations/migrate.ts";
import { seed } from "../seed/seed.ts";
import { pgliteSnapshot } from "./pglite-snapshot.ts";

export {
  explain,
  explainEach,
  leadingColumns,
  type PlanNode,
  scansOf,
  type TableScan,
} from "./query-plans.ts";

export interface TestDatabaseOptions {
  /** Sees the statements the test runs (not those of migrating and seeding), with their parameters. */
  onQuery?: OnQuery;
  /** Load the demo data (users demo@example.com and ops@example.com, positions, orders). */
  seed?: boolean;
  /** Apply prisma/migrations (default true); false gives an empty database, for migrator tests. */
  migrate?: boolean;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or, when vitest provides
 * testDatabaseUrl, a new schema with a random name on that PostgreSQL, dropped by close().
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<Database> {
  const serverUrl = inject("testDatabaseUrl");
  let counting = false;
  const onQuery = options.onQuery;
  const hook: OnQuery | undefined = onQuery
    ? (sql, params) => {
        if (counting) onQuery(sql, params);
      }
    : undefined;
  const db = serverUrl
    ? await openDatabase({
        url: withSchema(serverUrl, `test_${randomBytes(6).toString("hex")}`),
        role: "the PostgreSQL test database (vitest --mode postgres)",
        ...(hook ? { onQuery: hook } : {}),
      })
    : assembleDatabase(
        await openPglite(undefined, await pgliteSnapshot(options.migrate !== false)),
        "pglite",
        "pglite (in memory)",
        hook,
      );
  try {
    if (options.migrate !== false) await migrate(db);
    if (options.seed) await seed(db.prisma);
  } catch (error) {
    await dropTestSchema(db).finally(db.close);
    throw error;
  }
  counting = true;
  const close = db.close;
  db.close = () => dropTestSchema(db).finally(close);
  return db;
}

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("schema", schema);
  return parsed.toString();
}

async function dropTestSchema(db: Database): Promise<void> {
  if (db.provider !== "postgresql") return;
  const { schema, withSession } = sqlAccessOf(db);
  await withSession((session) => session.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
}

/** A user (no usable password) with one simulated exchange account, for tests that need rows owned by an account. */
export async function createTestAccount(db: Database, email: string): Promise<string> {
  const user = await db.prisma.user.create({
    data: { email, passwordHash: "x", accounts: { create: { exchange: "SIMULATED", label: "Simulated" } } },
    include: { accounts: true },
  });
  return user.accounts[0]!.id;
}
