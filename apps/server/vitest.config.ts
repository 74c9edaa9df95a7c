// Database tests on in-memory PGlite, or PostgreSQL with `--mode postgres` (see the db package).
export { databaseTestConfig as default } from "@tradedesk/db/vitest-config";
