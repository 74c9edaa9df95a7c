import { type Database, openDatabase } from "@tradedesk/db";
import { createTestDatabase } from "@tradedesk/db/testing";
import { inject } from "vitest";

/** Test support: one fresh test database seen through two Prisma clients, as two server instances see it. */
export interface TwoClients {
  first: Database["prisma"];
  second: Database["prisma"];
  /** Whether `second` is a connection of its own (PostgreSQL), not `first` again (PGlite). */
  separate: boolean;
  close(): Promise<void>;
}

/**
 * On PostgreSQL (vitest --mode postgres) the second client is a pool of its own on the test's
 * schema, so the two really race on the server's row locks. In-memory PGlite lives in one
 * process and opens once: both clients are the same one there.
 */
export async function openTwoClients(): Promise<TwoClients> {
  const db = await createTestDatabase();
  const serverUrl = inject("testDatabaseUrl");
  if (!serverUrl) {
    return { first: db.prisma, second: db.prisma, separate: false, close: () => db.close() };
  }
  try {
    const [row] = await db.prisma.$queryRaw<{ schema: string }[]>`SELECT current_schema() AS schema`;
    const url = new URL(serverUrl);
    url.searchParams.set("schema", row!.schema);
    const other = await openDatabase({ url: url.toString(), role: "the second test client" });
    return {
      first: db.prisma,
      second: other.prisma,
      separate: true,
      // The second client first: closing the first drops the schema.
      close: () => other.close().finally(() => db.close()),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
