import { mkdirSync } from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { lockDirectory } from "./directory-lock.ts";
import type { SqlAccess, SqlRunner } from "./sql-session.ts";

export interface PgliteConnection {
  adapter: PrismaPGlite;
  /** The instance itself (served on a local socket by apps/server for its scripts). */
  pglite: PGlite;
  sql: SqlAccess;
  /** A snapshot of the whole database, loadable with openPglite(undefined, snapshot). */
  dump(): Promise<Blob>;
  close(): Promise<void>;
}

/**
 * Opens embedded PostgreSQL (PGlite): in memory when dataDir is undefined, optionally starting
 * from a snapshot (much faster than initialising a new cluster).
 */
export async function openPglite(dataDir: string | undefined, snapshot?: Blob): Promise<PgliteConnection> {
  let release = () => {};
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    const lock = lockDirectory(dataDir);
    if ("ownerPid" in lock) {
      // Named, so that an operator can delete a lock whose pid was reused (e.g. a restarted container).
      throw new Error(
        `it is in use by process ${lock.ownerPid}; stop that first (lock file ${dataDir}.lock)`,
      );
    }
    release = lock.release;
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(snapshot === undefined ? {} : { loadDataDir: snapshot }),
    });
  } catch (error) {
    release();
    throw error;
  }
  // The adapter rewrites timestamptz offsets to +00:00, which is only right in UTC.
  await pglite.exec("SET TIME ZONE 'UTC'");
  const runner = (client: PGlite | Transaction): SqlRunner => ({
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query<Row>(sql, params)).rows,
    exec: async (script: string) => {
      await client.exec(script);
    },
  });
  const session = {
    ...runner(pglite),
    // PGlite is one connection; its transaction() also holds other queries back until it ends.
    transaction: <T>(fn: (tx: SqlRunner) => Promise<T>) => pglite.transaction((tx) => fn(runner(tx))),
  };
  return {
    adapter: new PrismaPGlite(pglite),
    pglite,
    sql: { schema: "public", withSession: (fn) => fn(session) },
    dump: () => pglite.dumpDataDir("none"),
    close: () => pglite.close().finally(release),
  };
}
