import { defineConfig } from "prisma/config";

// The schema and migrations live at the repository root (prisma/); this package owns
// the generated client. No datasource URL here: the CLI's migrate commands are not used
// (no schema engine on our machines), our own migrator applies prisma/migrations.
export default defineConfig({
  schema: "../../prisma/schema.prisma",
  // `prisma db seed` runs the same seed as `pnpm --filter @tradedesk/db db:seed`.
  migrations: { path: "../../prisma/migrations", seed: "tsx src/cli/seed.ts" },
});
