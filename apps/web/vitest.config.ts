import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
        },
      },
      {
        // Real Chromium against a real server: see the README's "Tests".
        test: {
          name: "browser",
          include: ["e2e/**/*.test.ts"],
          globalSetup: ["e2e/global-setup.ts"],
          // Debian's chromium package (Playwright's browser download cannot work on our machines).
          provide: { chromiumPath: "/usr/bin/chromium" },
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // A safety net, not a speed claim: a busy machine may take seconds to refetch and repaint
          // (the 1 s default failed a cache-panel poll under CI load).
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
