import { defineConfig } from "vitest/config";
import { SAFETY_NET_MS, TEST_TIMEOUT_MS } from "./e2e/testing/safety-net.ts";

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
          // Safety nets, not speed claims (e2e/testing/safety-net.ts): a busy machine may take
          // seconds to refetch and repaint (the 1 s default failed a cache-panel poll under CI load).
          testTimeout: TEST_TIMEOUT_MS,
          hookTimeout: TEST_TIMEOUT_MS,
          expect: { poll: { timeout: SAFETY_NET_MS } },
        },
      },
    ],
  },
});
