/**
 * Plain SQL access next to Prisma, for the migrator, the drift checker and the test helpers.
 * Internal to this package: the rest of the code base talks to the database through Prisma.
 */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements (no parameters). */
  exec(script: string): Promise<void>;
}

export interface SqlSession extends SqlRunner {
  /** BEGIN ... COMMIT around fn on this session; ROLLBACK when fn throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Hands each message the server sends this session (NOTICE; LOG too with client_min_messages =
   * log) to the listener until the returned function is called. PostgreSQL only.
   */
  onMessage?(listener: (message: string) => void): () => void;
}

export interface SqlAccess {
  /** The schema our tables live in ("public" unless a test or the URL chose another). */
  schema: string;
  /** Runs fn on one connection, so session state (an advisory lock) holds throughout. */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}
