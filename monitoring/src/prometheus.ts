import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

/**
 * Runs a real Prometheus (Debian's `prometheus` package) with the repo's configuration and rules:
 * for monitoring's live test and for `pnpm observe`. Always on 127.0.0.1, on a free port unless
 * told, with its own TSDB in a temporary folder removed on stop.
 */

export const MONITORING_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const PROMETHEUS_CONFIG = join(MONITORING_DIR, "prometheus/prometheus.yml");
export const RULES_FILE = join(MONITORING_DIR, "prometheus/rules/tradedesk.rules.yml");

export interface PrometheusOptions {
  /** host:port of the tradedesk server to scrape; default the config's. */
  target?: string;
  /** Scrape and rule evaluation interval; default the config's (15s). Tests use 1s. */
  interval?: string;
  /** Replaces every alert's `for:` (the test cannot wait 5 minutes); default the rules'. */
  alertFor?: string;
  /** Default: a free port. */
  port?: number;
  /** Default `prometheus` on the PATH. */
  binary?: string;
  /** Prometheus' log lines (stderr). */
  onLog?: (line: string) => void;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; for?: string }[] }[];
}

/** A port nothing listens on now (the kernel's pick for port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** The repo's config and rules, adjusted as asked, written to `dir`; returns the config's path. */
export async function writeConfig(dir: string, options: PrometheusOptions = {}): Promise<string> {
  const config = parse(await readFile(PROMETHEUS_CONFIG, "utf8")) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  if (options.interval) {
    config.global.scrape_interval = options.interval;
    config.global.evaluation_interval = options.interval;
  }
  if (options.target) {
    for (const job of config.scrape_configs) {
      if (job.job_name === "tradedesk") job.static_configs = [{ targets: [options.target] }];
    }
  }
  const rules = parse(await readFile(RULES_FILE, "utf8")) as RuleFile;
  if (options.alertFor) {
    for (const group of rules.groups) {
      for (const rule of group.rules) if (rule.alert && rule.for) rule.for = options.alertFor;
    }
  }
  const rulesPath = join(dir, "tradedesk.rules.yml");
  await writeFile(rulesPath, stringify(rules));
  config.rule_files = [rulesPath];
  const configPath = join(dir, "prometheus.yml");
  await writeFile(configPath, stringify(config));
  return configPath;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "tradedesk-prometheus-"));
  const configPath = await writeConfig(dir, options);
  const port = options.port ?? (await freePort());
  const child = spawn(
    options.binary ?? "prometheus",
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=info",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  // Ready when it says so in its log (not by polling): or failed when it exits first.
  try {
    await new Promise<void>((ready, fail) => {
      let buffered = "";
      const recent: string[] = [];
      child.once("error", fail);
      child.once("exit", (code) =>
        fail(new Error(`prometheus exited (${code}) before it was ready:\n${recent.join("\n")}`)),
      );
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          options.onLog?.(line);
          recent.push(line);
          if (recent.length > 20) recent.shift();
          if (line.includes("Server is ready to receive web requests")) ready();
        }
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, process: child, stop };
}

/** GET /api/v1/<path> and the `data` of a success, else an error naming Prometheus' message. */
export async function prometheusApi<T>(
  url: string,
  path: string,
  params: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
  return body.data;
}
