// pnpm --filter @tradedesk/db db:seed [-- --url <database url>]: migrates, then loads the demo desk.
import { openDatabase } from "../connection/open-database.ts";
import { migrate } from "../migrations/migrate.ts";
import { seed } from "../seed/seed.ts";
import { databaseUrlFromArgs, reportAndExit } from "./cli-options.ts";

try {
  const db = await openDatabase({ url: databaseUrlFromArgs(), role: "DATABASE_URL (--url)" });
  try {
    await migrate(db);
    const { created } = await seed(db.prisma);
    console.log(
      `${db.describe}: ${created ? "demo data loaded" : "demo data already present, nothing changed"}`,
    );
  } finally {
    await db.close();
  }
} catch (error) {
  reportAndExit(error);
}
