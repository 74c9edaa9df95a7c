import { runScript } from "./run-script.ts";
import { callerForEmail } from "./user-caller.ts";

/**
 * `pnpm cache:invalidate --email <email>`: drops the user's cached balances. Reaches running
 * servers through the Redis bus (REDIS_URL); without it only this process's cache exists.
 */
await runScript("pnpm cache:invalidate --email <email>", async (app, email, reach) => {
  const caller = await callerForEmail(app, email);
  const { invalidated } = await caller.cache.invalidate({});
  const how = {
    redis: "published to every server on the Redis bus",
    "embedded socket": "sent to the running server through its embedded database (LISTEN/NOTIFY)",
    none: "no running server found and no REDIS_URL: only this process's cache was cleared",
  }[reach];
  return `Invalidated ${invalidated} cache entr${invalidated === 1 ? "y" : "ies"} of ${email} in this process; ${how}.`;
});
