import type { ServerResponse } from "node:http";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/** Where `pnpm dev` finds the API server (apps/server, default port 3000). */
const API_ORIGIN = "http://127.0.0.1:3000";

/**
 * `pnpm dev` runs two processes, and the API server needs a few seconds more than Vite (a first
 * start migrates and seeds the database): the URL to open is printed once the API is ready.
 */
function printDashboardUrl(): Plugin {
  return {
    name: "tradedesk:print-url",
    configureServer(server) {
      let timer: NodeJS.Timeout | undefined;
      let waiting = false;
      const print = () => {
        const url = server.resolvedUrls?.local[0] ?? "http://localhost:5173/";
        server.config.logger.info(
          `\n  tradedesk dashboard: open ${url}  (demo@example.com / tradedesk-demo)\n`,
        );
      };
      const waitForApi = async () => {
        const ready = await fetch(`${API_ORIGIN}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) return print();
        if (!waiting) {
          waiting = true;
          server.config.logger.info("  tradedesk: waiting for the API server on port 3000…");
        }
        timer = setTimeout(waitForApi, 500);
      };
      server.httpServer?.once("listening", () => void waitForApi());
      server.httpServer?.once("close", () => clearTimeout(timer));
    },
  };
}

/** A request the API server cannot take (not started yet, restarting) fails in tRPC's error shape. */
function apiUnavailable(response: ServerResponse): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(503, { "content-type": "application/json" }).end(
    JSON.stringify({
      error: {
        message: "The tradedesk API server is not answering (starting or restarting?); try again in a moment",
        code: -32603,
        data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 503 },
      },
    }),
  );
}

export default defineConfig({
  plugins: [react(), printDashboardUrl()],
  server: {
    port: 5173,
    host: "localhost",
    proxy: {
      "/trpc": {
        target: API_ORIGIN,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on("error", (_error, _request, response) => {
            if ("writeHead" in response) apiUnavailable(response);
          });
          // The API server went away mid-response (restart under `tsx watch`): the proxy would
          // leave the browser's side open, and an event stream would never reconnect. Cut it.
          proxy.on("proxyRes", (proxyResponse, _request, response) => {
            proxyResponse.once("close", () => {
              if (!proxyResponse.complete) response.destroy();
            });
          });
        },
      },
    },
  },
  // No source maps: served, they hand the whole client source to anyone (the server refuses .map
  // files too, should an old build still have them).
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // The libraries in chunks of their own, by what they do: one bundle was 540 kB (over Vite's
    // 500 kB warning), and a release that changes only our code leaves them in browsers' caches.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: "charts", test: /node_modules[\\/](lightweight-charts|fancy-canvas)[\\/]/ },
            { name: "api-client", test: /node_modules[\\/](@tanstack|@trpc|decimal\.js)[\\/]/ },
          ],
        },
      },
    },
  },
});
