// For the browser tests of apps/web and for other tools that need the whole product in-process.
export { type App, type CreateAppOptions, createApp } from "./app.ts";
export { type Config, ConfigError, loadConfig } from "./config.ts";
