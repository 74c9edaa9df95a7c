import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Database tests run on in-memory PGlite unless TEST_DATABASE_URL names a PostgreSQL
    // server (CI runs both). Handed to tests through vitest's provide/inject so no test
    // code reads the environment.
    provide: { testDatabaseUrl: process.env.TEST_DATABASE_URL ?? "" },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
