import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "../generated/prisma/client.ts";
import { type Database, registerEmbeddedPglite, registerSqlAccess } from "./database.ts";
import { maskUrl, parseDatabaseUrl } from "./database-url.ts";
import { DatabaseConfigError } from "./errors.ts";
import { openPglite, type PgliteConnection } from "./pglite.ts";
import { openPostgres, type PostgresConnection } from "./postgresql.ts";
import { type OnQuery, withQueryHook } from "./query-hook.ts";

export interface OpenDatabaseOptions {
  /** undefined or "memory://" -> in-memory PGlite; "file:<dir>" or a plain path -> PGlite on disk;
   *  postgres:// or postgresql:// -> PostgreSQL. */
  url?: string;
  /** Called with every SQL statement Prisma sends (and its parameters), BEGIN/COMMIT/ROLLBACK included. */
  onQuery?: OnQuery;
  /** Names the URL's setting in error messages; default "database URL". */
  role?: string;
}

/** Opens a Prisma client on PGlite or PostgreSQL. Does not migrate: call migrate(db) for that. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const role = options.role ?? "database URL";
  const location = parseDatabaseUrl(options.url, role);
  const connection =
    location.provider === "pglite"
      ? await openPgliteOrExplain(location.dataDir, role)
      : await openPostgres({
          connectionString: location.connectionString,
          schema: location.schema,
          role,
          maskedUrl: maskUrl(options.url ?? ""),
        });
  return assembleDatabase(connection, location.provider, location.describe, options.onQuery);
}

/** The Database around an open connection: a Prisma client on its adapter, hooked if asked. */
export function assembleDatabase(
  connection: PgliteConnection | PostgresConnection,
  provider: Database["provider"],
  describe: string,
  onQuery: OnQuery | undefined,
): Database {
  const adapter: SqlDriverAdapterFactory = onQuery
    ? withQueryHook(connection.adapter, onQuery)
    : connection.adapter;
  const prisma = new PrismaClient({ adapter });
  let closing: Promise<void> | undefined;
  const db: Database = {
    prisma,
    provider,
    describe,
    close: () => {
      closing ??= prisma.$disconnect().finally(() => connection.close());
      return closing;
    },
  };
  registerSqlAccess(db, connection.sql);
  if ("pglite" in connection) registerEmbeddedPglite(db, connection.pglite);
  return db;
}

async function openPgliteOrExplain(dataDir: string | undefined, role: string) {
  try {
    return await openPglite(dataDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseConfigError(
      `cannot open embedded database for ${role} at ${dataDir ?? "memory://"}: ${reason}`,
    );
  }
}
