import { parseArgs } from "node:util";
import { startPrometheus } from "../src/prometheus.ts";

/**
 * `pnpm observe`: a Prometheus on 127.0.0.1 with the repo's configuration and rules, scraping the
 * local server (start it with `pnpm dev` or `pnpm start`), for a developer to look at its alerts
 * and graphs. Its data lives in a temporary folder, removed on Ctrl-C.
 *   pnpm observe [--target 127.0.0.1:3000] [--port 9090] [--interval 15s]
 */

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "127.0.0.1:3000" },
    port: { type: "string", default: "9090" },
    interval: { type: "string" },
  },
});

const prometheus = await startPrometheus({
  target: values.target,
  port: Number(values.port),
  ...(values.interval ? { interval: values.interval } : {}),
  onLog: (line) => {
    if (/level=(warn|error)/.test(line)) console.error(line);
  },
});
console.log(`Prometheus scraping http://${values.target}/metrics with monitoring/prometheus/ rules:`);
// Debian's build serves the classic UI (/classic/...); upstream's serves /alerts, /targets.
console.log(`  alerts  ${prometheus.url}/classic/alerts`);
console.log(`  targets ${prometheus.url}/classic/targets`);
console.log(`  graph   ${prometheus.url}/classic/graph?g0.expr=tradedesk%3Acache_hit_ratio%3Arate5m`);
console.log("Ctrl-C stops it.");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void prometheus.stop().then(() => process.exit(0));
  });
}
prometheus.process.once("exit", (code) => {
  if (!stopping) {
    console.error(`prometheus exited (${code})`);
    process.exit(1);
  }
});
