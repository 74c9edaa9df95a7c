import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { SAFETY_NET_MS } from "@tradedesk/core/testing";
import { expect, it } from "vitest";

/** What SIGTERM relies on: after app.close() nothing keeps the process alive. */

it(
  "leaves no timer, socket or connection that keeps the process alive",
  async () => {
    const script = fileURLToPath(new URL("./testing/start-and-close.ts", import.meta.url));
    // One process (node with tsx's loader, no tsx wrapper): the one the test kills is the app's.
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let stdout = "";
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const closed = new Promise<void>((resolve) =>
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("closed after")) resolve();
        }),
      );
      // Starting takes what the machine needs (a busy one: 30 s; the test's own limit is the net).
      await Promise.race([closed, exited]);
      expect(stdout).toContain("closed after /readyz 200");
      // Only what follows close() is judged: the process ends by itself. The wait is a safety net
      // against a hang (a timer or socket left open keeps it alive for ever), not a speed claim.
      const ended = await Promise.race([
        exited,
        sleep(SAFETY_NET_MS, "still running after close" as const, { ref: false }),
      ]);
      expect(ended).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  },
  4 * SAFETY_NET_MS,
);
