/** Where the simulated exchange keeps its books, so they survive a restart of the server. */
export interface SimulatedBookStore {
  load(accountId: string): Promise<unknown | null>;
  save(accountId: string, book: unknown): Promise<void>;
}

/** Books in this process only (tests, throw-away runs). Stores a JSON copy, as a database would. */
export function createMemoryBookStore(): SimulatedBookStore {
  const books = new Map<string, string>();
  return {
    async load(accountId) {
      const stored = books.get(accountId);
      return stored === undefined ? null : JSON.parse(stored);
    },
    async save(accountId, book) {
      books.set(accountId, JSON.stringify(book));
    },
  };
}

/**
 * The part of the Prisma client this store uses (table simulated_books, model SimulatedBook).
 * Declared structurally so core does not depend on the generated client's exact types.
 */
export interface SimulatedBookPrisma {
  simulatedBook: {
    findUnique(args: {
      where: { accountKey: string };
      select: { state: true };
    }): PromiseLike<{ state: unknown } | null>;
    upsert(args: {
      where: { accountKey: string };
      create: { accountKey: string; state: never };
      update: { state: never };
    }): PromiseLike<unknown>;
  };
}

/** Books in PostgreSQL / PGlite: one JSON row per account, upserted after every change. */
export function createPrismaBookStore(prisma: SimulatedBookPrisma): SimulatedBookStore {
  return {
    async load(accountId) {
      const row = await prisma.simulatedBook.findUnique({
        where: { accountKey: accountId },
        select: { state: true },
      });
      return row?.state ?? null;
    },
    async save(accountId, book) {
      const state = book as never;
      await prisma.simulatedBook.upsert({
        where: { accountKey: accountId },
        create: { accountKey: accountId, state },
        update: { state },
      });
    },
  };
}
