/**
 * The signed-in session's token: kept in memory and in sessionStorage, so a reload keeps the
 * user signed in but a new browser session (or another tab opened from scratch) signs in again.
 */

const STORAGE_KEY = "tradedesk.token";
let token: string | null = readStored();

function readStored(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled: memory only
  }
}

export function getToken(): string | null {
  return token;
}

export function setToken(next: string | null): void {
  token = next;
  try {
    if (next === null) globalThis.sessionStorage?.removeItem(STORAGE_KEY);
    else globalThis.sessionStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // memory only
  }
}
