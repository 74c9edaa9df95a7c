import type { PGlite } from "@electric-sql/pglite";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { SqlAccess } from "./sql-session.ts";

export interface Database {
  prisma: PrismaClient;
  provider: "pglite" | "postgresql";
  /** Human-readable location with secrets masked, for logs. */
  describe: string;
  close(): Promise<void>;
}

// The embedded PGlite instance of a "file:"/"memory://" database, for serving it on a local socket.
const embedded = new WeakMap<Database, PGlite>();

export function registerEmbeddedPglite(db: Database, pglite: PGlite): void {
  embedded.set(db, pglite);
}

/** The PGlite behind an embedded database; undefined on PostgreSQL. */
export function embeddedPgliteOf(db: Database): PGlite | undefined {
  return embedded.get(db);
}

// Plain SQL access for the migrator, drift checker and test helpers, kept off the public object.
const sqlAccess = new WeakMap<Database, SqlAccess>();

export function registerSqlAccess(db: Database, access: SqlAccess): void {
  sqlAccess.set(db, access);
}

export function sqlAccessOf(db: Database): SqlAccess {
  const access = sqlAccess.get(db);
  if (!access) throw new Error("not a Database returned by openDatabase()");
  return access;
}
