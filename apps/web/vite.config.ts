import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/** Where `pnpm dev` finds the API server (apps/server, default port 3000). */
const API_ORIGIN = "http://127.0.0.1:3000";

/** `pnpm dev` runs two processes; this says which URL to open. */
function printDashboardUrl(): Plugin {
  return {
    name: "tradedesk:print-url",
    configureServer(server) {
      server.httpServer?.once("listening", () => {
        setTimeout(() => {
          const url = server.resolvedUrls?.local[0] ?? "http://localhost:5173/";
          server.config.logger.info(
            `\n  tradedesk dashboard: open ${url}  (demo@example.com / tradedesk-demo)\n`,
          );
        }, 50);
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), printDashboardUrl()],
  server: {
    port: 5173,
    host: "localhost",
    proxy: {
      "/trpc": { target: API_ORIGIN, changeOrigin: true },
    },
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
});
