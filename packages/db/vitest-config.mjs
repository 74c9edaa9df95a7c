// Plain JavaScript: vitest loads config dependencies from workspace packages with Node, which
// does not run TypeScript on Node 20.
import { defineConfig } from "vitest/config";

/**
 * The PostgreSQL the database tests also run on: the machine's local server (trust auth), as on
 * our development and CI machines. Each test file gets a fresh schema there, dropped afterwards.
 */
export const POSTGRES_TEST_URL = "postgres://postgres@127.0.0.1:5432/test";

/**
 * The vitest config of every package with database tests. `vitest run` uses in-memory PGlite;
 * `vitest run --mode postgres` (the packages' `test:pg`) uses POSTGRES_TEST_URL. Tests get it
 * through `inject("testDatabaseUrl")`, so no test and no config reads the environment.
 */
export const databaseTestConfig = defineConfig(({ mode }) => ({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    provide: { testDatabaseUrl: mode === "postgres" ? POSTGRES_TEST_URL : "" },
    // Safety nets, not speed claims: with two full suites on 2 cores a server's start-up hook took
    // over 60 s (security.test.ts). A test that hangs still fails, later.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
}));
