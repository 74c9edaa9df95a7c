export * from "./cache/index.ts";
export * from "./domain/index.ts";
export * from "./exchange/index.ts";
export * from "./market/index.ts";
export * from "./reconcile/index.ts";
export * from "./secrets/index.ts";
