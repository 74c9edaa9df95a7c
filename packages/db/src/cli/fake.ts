// pnpm db:fake --users N --orders M [--months 24] [--seed 1] [--until <ISO time>] [--url <database url>]
// Migrates, then fills the database with fake trading history (see src/fake), with a progress bar.
import { parseArgs } from "node:util";
import { openDatabase } from "../connection/open-database.ts";
import { FAKE_PASSWORD, fakeTradingHistory } from "../fake/fake-history.ts";
import { fakeHistoryProgressBar } from "../fake/progress-bar.ts";
import { migrate } from "../migrations/migrate.ts";
import { DEFAULT_DEV_DATABASE_URL, reportAndExit } from "./cli-options.ts";

const USAGE =
  "usage: pnpm db:fake --users N --orders M [--months 24] [--seed 1] [--until <ISO time>] [--url <database url>]";

try {
  const args = process.argv.slice(2).filter((arg) => arg !== "--");
  const { values } = parseArgs({
    args,
    options: {
      url: { type: "string" },
      users: { type: "string" },
      orders: { type: "string" },
      months: { type: "string", default: "24" },
      seed: { type: "string", default: "1" },
      until: { type: "string" },
    },
    allowPositionals: false,
  });
  const whole = (name: string, value: string | undefined) => {
    const n = Number((value ?? "").replaceAll("_", ""));
    if (value === undefined || !Number.isSafeInteger(n))
      throw new Error(`--${name}: a whole number\n${USAGE}`);
    return n;
  };
  const now = values.until === undefined ? new Date() : new Date(values.until);
  if (Number.isNaN(now.getTime()))
    throw new Error(`--until: an ISO time such as 2026-12-01T00:00:00Z\n${USAGE}`);

  // The package script passes --url "$DATABASE_URL" first: empty means the embedded database; a
  // later --url wins.
  const url = values.url || DEFAULT_DEV_DATABASE_URL;
  const db = await openDatabase({ url, role: "DATABASE_URL (--url)" });
  try {
    await migrate(db);
    const bar = fakeHistoryProgressBar();
    const started = Date.now();
    const result = await fakeTradingHistory(db, {
      users: whole("users", values.users),
      orders: whole("orders", values.orders),
      months: whole("months", values.months),
      seed: whole("seed", values.seed),
      now,
      onProgress: bar.onProgress,
    });
    bar.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `${db.describe}: ${result.users} users, ${result.accounts} accounts, ${result.positions} positions ` +
        `(${result.openPositions} open), ${result.orders} orders over ${result.from.toISOString().slice(0, 7)} .. ` +
        `${result.to.toISOString().slice(0, 7)} in ${seconds} s${result.fastLoad ? "" : " (not superuser: triggers and foreign-key checks stayed on)"}; ` +
        `sign in as fake${values.seed}-trader1@example.com / ${FAKE_PASSWORD}`,
    );
  } finally {
    await db.close();
  }
} catch (error) {
  reportAndExit(error);
}
