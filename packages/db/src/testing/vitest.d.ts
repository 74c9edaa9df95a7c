declare module "vitest" {
  export interface ProvidedContext {
    /** postgres:// URL of a PostgreSQL server to test on; "" means embedded PGlite. */
    testDatabaseUrl: string;
  }
}

export {};
