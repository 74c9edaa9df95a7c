import { createCaller, signToken } from "@tradedesk/api";
import type { App } from "../app.ts";

export class UnknownUserError extends Error {
  override readonly name = "UnknownUserError";
}

/**
 * The router's caller acting as one user, in-process (no HTTP): the scripts go through the same
 * procedures, validation and ownership checks as the dashboard.
 */
export async function callerForEmail(app: App, email: string) {
  const user = await app.desk.users.findByEmail(email);
  if (!user) throw new UnknownUserError(`no user with email ${email}`);
  const anonymous = await app.createContext(null);
  const token = await signToken(anonymous.jwtKey, user.id);
  return createCaller(await app.createContext(`Bearer ${token}`));
}
