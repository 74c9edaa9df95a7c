// pnpm --filter @tradedesk/db db:migrate [-- --url <database url>]
import { openDatabase } from "../connection/open-database.ts";
import { migrate } from "../migrations/migrate.ts";
import { databaseUrlFromArgs, reportAndExit } from "./cli-options.ts";

try {
  const db = await openDatabase({ url: databaseUrlFromArgs(), role: "DATABASE_URL (--url)" });
  try {
    const result = await migrate(db);
    console.log(`${db.describe}: applied ${result.applied.length} migration(s)`, result.applied);
    for (const name of result.modified) {
      console.warn(
        `warning: migration ${name} was edited after it was applied (checksum mismatch); not re-run`,
      );
    }
  } finally {
    await db.close();
  }
} catch (error) {
  reportAndExit(error);
}
