import pg from "pg";

/**
 * One user's mutations one at a time across every server instance on one PostgreSQL: a session
 * advisory lock per user (`pg_advisory_lock(hashtextextended('tradedesk:user:<id>', 0))`), held
 * while the mutation runs. Inside one process the desk's per-user queue already orders them, so
 * each process holds at most one such lock per user at a time.
 *
 * The locks live on a pool of their own: a mutation holds one connection while it runs and its
 * queries need others, so sharing Prisma's pool could starve it. A process that dies releases its
 * locks with its connections. Waiting for a lock is bounded (`lock_timeout`): past it the mutation
 * fails as unavailable instead of hanging.
 */
export interface UserLocks {
  run<T>(userId: string, body: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class UserLockTimeoutError extends Error {
  override readonly name = "UserLockTimeoutError";
}

export interface UserLocksOptions {
  connectionString: string;
  /** Locks held at once by this process (one per user with a mutation running). Default 20. */
  maxConnections?: number;
  /** How long a mutation waits for another instance's mutation of the same user. Default 30 s. */
  waitMs?: number;
  /** Each lock taken and released, with the time (the cluster test checks that they never overlap). */
  onEvent?: (event: { userId: string; event: "taken" | "released"; at: number; waitedMs: number }) => void;
}

export function createUserLocks(options: UserLocksOptions): UserLocks {
  const waitMs = options.waitMs ?? 30_000;
  // node-postgres does not know Prisma's `schema` parameter (advisory locks are database-wide).
  const url = new URL(options.connectionString);
  url.searchParams.delete("schema");
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: options.maxConnections ?? 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    options: `-c lock_timeout=${waitMs}`,
  });
  // An idle connection lost (database restart) must not crash the process.
  pool.on("error", () => {});
  return {
    async run(userId, body) {
      const client = await pool.connect();
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      const key = `tradedesk:user:${userId}`;
      try {
        try {
          const asked = Date.now();
          await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
          const at = Date.now();
          options.onEvent?.({ userId, event: "taken", at, waitedMs: at - asked });
        } catch (error) {
          if ((error as { code?: string }).code === "55P03") {
            throw new UserLockTimeoutError(
              `another change of this user's is still running on another server (waited ${waitMs} ms)`,
            );
          }
          throw error;
        }
        try {
          return await body();
        } finally {
          // Unlocking failed: the connection is dropped below, which releases the lock.
          // The event first: once unlocked, another instance's "taken" may come at the same instant.
          options.onEvent?.({ userId, event: "released", at: Date.now(), waitedMs: 0 });
          await client
            .query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key])
            .catch((error: Error) => {
              broken = error;
            });
        }
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
