import { runScript } from "./run-script.ts";
import { callerForEmail } from "./user-caller.ts";

/**
 * `pnpm cache:invalidate --email <email>`: drops the user's cached balances. Reaches running
 * servers through the Redis bus (REDIS_URL); without it only this process's cache exists.
 */
await runScript("pnpm cache:invalidate --email <email>", async (app, email) => {
  const caller = await callerForEmail(app, email);
  const { invalidated } = await caller.cache.invalidate({});
  const reach = app.config.redisUrl
    ? "published to every server on the Redis bus"
    : "no REDIS_URL: only this process's cache was cleared; running servers expire theirs within CACHE_TTL_MS";
  return `Invalidated ${invalidated} cache entr${invalidated === 1 ? "y" : "ies"} of ${email} (${reach}).`;
});
