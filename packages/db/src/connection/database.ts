import type { PrismaClient } from "../generated/prisma/client.ts";
import type { SqlAccess } from "./sql-session.ts";

export interface Database {
  prisma: PrismaClient;
  provider: "pglite" | "postgresql";
  /** Human-readable location with secrets masked, for logs. */
  describe: string;
  close(): Promise<void>;
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
