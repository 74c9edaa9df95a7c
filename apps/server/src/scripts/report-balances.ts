import { formatBalancesReport } from "./balances-report.ts";
import { runScript } from "./run-script.ts";
import { callerForEmail } from "./user-caller.ts";

/** `pnpm report:balances --email <email>`: the user's summary, marked cached or fresh. */
await runScript("pnpm report:balances --email <email>", async (app, email) => {
  const caller = await callerForEmail(app, email);
  return formatBalancesReport(email, await caller.dashboard.balances());
});
