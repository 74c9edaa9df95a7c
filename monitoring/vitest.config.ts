import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The live test starts a server and a Prometheus; generous for a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
