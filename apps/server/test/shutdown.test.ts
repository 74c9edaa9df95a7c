import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

/** What SIGTERM relies on: after app.close() nothing keeps the process alive. */

it("leaves no timer, socket or connection that keeps the process alive", async () => {
  const script = fileURLToPath(new URL("./testing/start-and-close.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
  // Rejects if the child fails or is still running at the timeout (killed).
  const { stdout } = await promisify(execFile)(tsx, [script], { timeout: 30_000 });
  expect(stdout).toContain("closed after /readyz 200");
}, 40_000);
