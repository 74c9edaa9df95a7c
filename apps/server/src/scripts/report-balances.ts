import { formatBalancesReport } from "./balances-report.ts";
import { runScript } from "./run-script.ts";
import { callerForEmail } from "./user-caller.ts";

/** `pnpm report:balances --email <email>`: the user's summary, marked cached or fresh. */
await runScript("pnpm report:balances --email <email>", async (app, email, reach) => {
  const caller = await callerForEmail(app, email);
  const report = formatBalancesReport(email, await caller.dashboard.balances());
  // Its own desk and cache: "cached" or "fresh" is about this process, not the server's cache.
  const where =
    reach === "embedded socket"
      ? "Read by this script's own desk on the running server's database (its local socket); the server's cache was not consulted."
      : "Read by this script's own desk and cache; a running server's cache was not consulted.";
  return `${report}\n\n${where}`;
});
