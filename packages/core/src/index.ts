export * from "./cache/index.ts";
export * from "./domain/index.ts";
export * from "./exchange/index.ts";
export * from "./secrets/index.ts";
