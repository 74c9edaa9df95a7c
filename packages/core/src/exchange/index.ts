export * from "./errors.ts";
export * from "./gateway.ts";
