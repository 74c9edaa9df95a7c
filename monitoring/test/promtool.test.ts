import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { MONITORING_DIR, PROMETHEUS_CONFIG, RULES_FILE } from "../src/prometheus.ts";

/** Prometheus' own checker on the repo's config and rules, and its unit tests of every alert. */

const run = promisify(execFile);

async function promtool(...args: string[]) {
  try {
    const { stdout, stderr } = await run("promtool", args, { cwd: MONITORING_DIR });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}

describe("promtool", () => {
  it("accepts the configuration and its rule file", async () => {
    const result = await promtool("check", "config", PROMETHEUS_CONFIG);
    expect(result.output).toContain("SUCCESS");
    expect(result.ok, result.output).toBe(true);
  });

  it("accepts the rules", async () => {
    const result = await promtool("check", "rules", RULES_FILE);
    expect(result.ok, result.output).toBe(true);
  });

  it("passes the unit tests of every alert, and every alert has one", async () => {
    const tests = join(MONITORING_DIR, "prometheus/tests/alerts.test.yml");
    const result = await promtool("test", "rules", tests);
    expect(result.ok, result.output).toBe(true);
    const rules = await readFile(RULES_FILE, "utf8");
    const unitTests = await readFile(tests, "utf8");
    const alerts = [...rules.matchAll(/^\s*- alert: (\w+)/gm)].map((match) => match[1]);
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts)
      expect(unitTests, `no unit test for ${alert}`).toContain(`alertname: ${alert}`);
  });
});
