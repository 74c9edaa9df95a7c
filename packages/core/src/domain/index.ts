export type * from "./commands.ts";
export * from "./errors.ts";
export type * from "./trading-desk.ts";
export type * from "./views.ts";
