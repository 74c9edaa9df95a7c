/**
 * The signed-in session's token, shared by every tab of the browser: kept in localStorage, so a
 * second tab opens signed in, and signing out in one tab signs out all of them (the `storage`
 * event tells the others). Memory only where storage is disabled.
 */

const STORAGE_KEY = "tradedesk.token";
let token: string | null = readStored();

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
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
    if (next === null) globalThis.localStorage?.removeItem(STORAGE_KEY);
    else globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // memory only
  }
}

/** Another tab signed in or out: `listener` gets the new token (null: signed out). */
export function onSessionChangedElsewhere(listener: (token: string | null) => void): () => void {
  const handler = (event: StorageEvent) => {
    if (event.key !== STORAGE_KEY && event.key !== null) return;
    token = readStored();
    listener(token);
  };
  globalThis.addEventListener?.("storage", handler);
  return () => globalThis.removeEventListener?.("storage", handler);
}
