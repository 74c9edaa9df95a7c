// Runs `prisma generate` offline. Prisma 7's generate needs no query engine, but the CLI
// still checks for (and would download) the native schema engine, which cannot be fetched
// on our machines. Pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub satisfies that check;
// generate never executes it. This is the only place that knows about it.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = join(tmpdir(), "tradedesk-prisma-stub");
mkdirSync(dir, { recursive: true });
const stub = join(dir, "schema-engine");
writeFileSync(stub, '#!/bin/sh\necho "schema-engine stub: prisma migrate is not used here" >&2\nexit 1\n');
chmodSync(stub, 0o755);

const result = spawnSync("prisma", ["generate"], {
  stdio: "inherit",
  shell: process.platform === "win32",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: stub,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
