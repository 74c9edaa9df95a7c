import { fileURLToPath } from "node:url";
import { build } from "vite";
import type { TestProject } from "vitest/node";

const WEB_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Built apart from dist/ so a test run never replaces the app `pnpm start` serves. */
export const E2E_DIST_DIR = `${WEB_ROOT}test-results/web-dist`;

/** Builds the web app once for every browser test; the server serves it like `pnpm start`. */
export default async function setup(project: TestProject) {
  await build({
    root: WEB_ROOT,
    configFile: `${WEB_ROOT}vite.config.ts`,
    logLevel: "warn",
    build: { outDir: E2E_DIST_DIR, emptyOutDir: true, sourcemap: false },
  });
  project.provide("webDistDir", E2E_DIST_DIR);
}

declare module "vitest" {
  export interface ProvidedContext {
    webDistDir: string;
    chromiumPath: string;
  }
}
