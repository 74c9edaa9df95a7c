import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * What a new user meets first: a bad variable and a busy port are reported in one line naming
 * the setting, not as a stack trace (`pnpm start` runs check-config.ts before its build).
 */
const serverDir = fileURLToPath(new URL("..", import.meta.url));

async function run(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: serverDir,
    env: { ...process.env, SERVE_WEB_APP: "false", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

describe("first run", () => {
  it("check-config names a bad variable and exits 1 (before any build)", async () => {
    const { code, output } = await run("src/check-config.ts", { PORT: "eighty" });
    expect(code).toBe(1);
    expect(output).toContain("PORT:");
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("a busy port is reported naming PORT, without a stack trace", async () => {
    const busy = createServer();
    busy.listen(0, "127.0.0.1");
    await once(busy, "listening");
    const { port } = busy.address() as { port: number };
    try {
      const { code, output } = await run("src/main.ts", {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: "memory://",
        SIMULATED_PRICE_TICK_MS: "0",
      });
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(output).toContain("set PORT");
      expect(output).not.toContain("EADDRINUSE");
    } finally {
      busy.close();
    }
  }, 120_000);
});
