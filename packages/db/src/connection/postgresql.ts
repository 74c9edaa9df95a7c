import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { DatabaseConfigError } from "./errors.ts";
import type { SqlAccess, SqlRunner } from "./sql-session.ts";

export interface PostgresConnection {
  adapter: PrismaPg;
  sql: SqlAccess;
  close(): Promise<void>;
}

export interface PostgresTarget {
  connectionString: string;
  /** Tables live here; undefined means the server's default search_path (public). */
  schema: string | undefined;
  /** For error messages: which setting, and the URL with its password masked. */
  role: string;
  maskedUrl: string;
}

/** Opens a pool on PostgreSQL and checks it can be reached, so bad configuration fails at start-up. */
export async function openPostgres(target: PostgresTarget): Promise<PostgresConnection> {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    connectionTimeoutMillis: 10_000,
    ...(target.schema === undefined ? {} : { options: `-c search_path="${target.schema}"` }),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseConfigError(`cannot connect to ${target.role} ${target.maskedUrl}: ${reasonOf(error)}`);
  }
  const schema = target.schema ?? "public";
  const sql: SqlAccess = {
    schema,
    withSession: async (fn) => {
      const client = await pool.connect();
      // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
      let broken: Error | undefined;
      // The pool only listens for errors of idle clients. A connection lost while we hold it would
      // emit an unhandled 'error' and crash the process; the query in flight reports it instead.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      try {
        const runner: SqlRunner = {
          query: async <Row>(text: string, params?: unknown[]) =>
            (await client.query(text, params as unknown[])).rows as Row[],
          exec: async (script: string) => {
            // Without parameters node-postgres uses the simple protocol: several statements are fine.
            await client.query(script);
          },
        };
        return await fn({
          ...runner,
          onMessage: (listener) => {
            const forward = (notice: { message?: string }) => listener(notice.message ?? "");
            client.on("notice", forward);
            return () => client.off("notice", forward);
          },
          transaction: async (body) => {
            await client.query("BEGIN");
            try {
              const result = await body(runner);
              await client.query("COMMIT");
              return result;
            } catch (error) {
              await client.query("ROLLBACK").catch((rollbackError: Error) => {
                broken = rollbackError;
              });
              throw error;
            }
          },
        });
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
  };
  return {
    adapter: new PrismaPg(pool, target.schema === undefined ? undefined : { schema: target.schema }),
    sql,
    close: () => pool.end(),
  };
}

/** The driver's reason in one line; Node reports a host with several addresses as an AggregateError. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join("; ");
  }
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
