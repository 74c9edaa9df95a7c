import { storedBookHasOpenOrders } from "./book.ts";

/** What a change made under the store's lock: the new state to write (undefined: leave it) and its answer. */
export interface StoreChange<T> {
  state?: unknown;
  result: T;
}

export type StoreChangeFn<T> = (
  stored: unknown | null,
  /** The states of `alsoRead` keys, read in the same transaction (absent when missing). */
  also: ReadonlyMap<string, unknown>,
) => StoreChange<T> | Promise<StoreChange<T>>;

export interface StoreUpdateOptions {
  /**
   * Other keys to read in the same transaction. The Prisma store share-locks them (FOR SHARE), so
   * a writer of such a key (a price step) waits for this change to commit, and this change sees
   * the latest committed state.
   */
  alsoRead?: readonly string[];
}

/**
 * Where the simulated exchange keeps its books (one JSON state per account, and the market under
 * "@market"), shared by every exchange instance on the same store and surviving restarts.
 */
export interface SimulatedBookStore {
  /** The latest committed states of these keys, without locking; missing keys are absent. */
  read(keys: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Read-modify-write of one key, atomic against every other update of that key, in any process
   * on the same store: `change` gets the stored state (null when missing) and returns the state to
   * write. When `change` throws, nothing is written and the error is rethrown.
   */
  update<T>(key: string, change: StoreChangeFn<T>, options?: StoreUpdateOptions): Promise<T>;
  /** Keys whose stored book has an order the market can still fill (status NEW). */
  accountsWithOpenOrders(): Promise<string[]>;
}

/**
 * Books in this process only (tests, throw-away runs). Stores a JSON copy, as a database would;
 * updates of one key queue behind each other, like the Prisma store's row lock.
 */
export function createMemoryBookStore(): SimulatedBookStore {
  const rows = new Map<string, string>();
  const open = new Set<string>();
  const queues = new Map<string, Promise<unknown>>();
  const get = (key: string) => {
    const row = rows.get(key);
    return row === undefined ? null : (JSON.parse(row) as unknown);
  };
  const read = (keys: readonly string[]) => {
    const found = new Map<string, unknown>();
    for (const key of keys) {
      const state = get(key);
      if (state !== null) found.set(key, state);
    }
    return found;
  };
  return {
    async read(keys) {
      return read(keys);
    },
    update(key, change, options) {
      const run = (queues.get(key) ?? Promise.resolve()).then(async () => {
        const also = read(options?.alsoRead ?? []);
        const { state, result } = await change(get(key), also);
        if (state !== undefined) {
          rows.set(key, JSON.stringify(state));
          if (storedBookHasOpenOrders(state)) open.add(key);
          else open.delete(key);
        }
        return result;
      });
      const tail = run.catch(() => {});
      queues.set(key, tail);
      void tail.then(() => {
        if (queues.get(key) === tail) queues.delete(key);
      });
      return run;
    },
    async accountsWithOpenOrders() {
      return [...open];
    },
  };
}

/**
 * The part of the Prisma client this store uses (table simulated_books, model SimulatedBook).
 * Declared structurally so core does not depend on the generated client's exact types.
 */
export interface SimulatedBookSql {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
}
export interface SimulatedBookPrisma extends SimulatedBookSql {
  $transaction<R>(
    fn: (tx: SimulatedBookSql) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

// A change holds the row only for a parse, a match and a write; the generous limits are for a busy
// machine (and PGlite, one connection where transactions queue behind each other).
const TRANSACTION_LIMITS = { maxWait: 10_000, timeout: 10_000 };

/**
 * Books in PostgreSQL / PGlite: one JSON row per key. An update runs in one transaction holding
 * the row (SELECT ... FOR UPDATE; the row is created first when missing), so two server instances
 * on one database never overwrite each other's changes. `open_orders` is kept with every write, so
 * a price move lists the books to match without reading their JSON.
 */
export function createPrismaBookStore(prisma: SimulatedBookPrisma): SimulatedBookStore {
  type Row = { account_key: string; state: unknown };
  const lockRow = (tx: SimulatedBookSql, key: string) =>
    tx.$queryRaw<Row[]>`SELECT account_key, state FROM simulated_books WHERE account_key = ${key} FOR UPDATE`;
  return {
    async read(keys) {
      if (keys.length === 0) return new Map();
      const rows = await prisma.$queryRaw<Row[]>`
        SELECT account_key, state FROM simulated_books WHERE account_key = ANY(${[...keys]})`;
      // A JSON null is a row created for a lock whose change wrote nothing: missing.
      return new Map(rows.filter((row) => row.state !== null).map((row) => [row.account_key, row.state]));
    },
    update(key, change, options) {
      return prisma.$transaction(async (tx) => {
        let rows = await lockRow(tx, key);
        const created = rows.length === 0;
        if (created) {
          // Something to lock: a concurrent creator makes this wait for its commit, then do nothing.
          await tx.$executeRaw`
            INSERT INTO simulated_books (account_key, state, updated_at)
            VALUES (${key}, 'null'::jsonb, now()) ON CONFLICT DO NOTHING`;
          rows = await lockRow(tx, key);
        }
        const also = new Map<string, unknown>();
        for (const other of options?.alsoRead ?? []) {
          const [row] = await tx.$queryRaw<Row[]>`
            SELECT account_key, state FROM simulated_books WHERE account_key = ${other} FOR SHARE`;
          if (row && row.state !== null) also.set(other, row.state);
        }
        const { state, result } = await change(rows[0]?.state ?? null, also);
        if (state !== undefined) {
          await tx.$executeRaw`
            UPDATE simulated_books
            SET state = ${JSON.stringify(state)}::jsonb, open_orders = ${storedBookHasOpenOrders(state)},
                updated_at = now()
            WHERE account_key = ${key}`;
        } else if (created) {
          await tx.$executeRaw`DELETE FROM simulated_books WHERE account_key = ${key} AND state = 'null'::jsonb`;
        }
        return result;
      }, TRANSACTION_LIMITS);
    },
    async accountsWithOpenOrders() {
      const rows = await prisma.$queryRaw<{ account_key: string }[]>`
        SELECT account_key FROM simulated_books WHERE open_orders`;
      return rows.map((row) => row.account_key);
    },
  };
}
