/**
 * The browser's session lives in an httpOnly cookie the server sets at sign-in (SameSite=Strict,
 * /trpc only): page scripts never see the token, so an injected script cannot carry it away, and
 * every tab of the browser sends it, so a second tab opens signed in. This module only knows
 * whether we are signed in, and tells the other tabs when that changes (BroadcastChannel).
 */

const CHANNEL = "tradedesk.session";
type SessionMessage = "signed-in" | "signed-out";

function channel(): BroadcastChannel | null {
  return typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(CHANNEL);
}

/**
 * Whether the cookie (if any) still signs us in. Only a 401 means signed out: with the server
 * away the dashboard opens and shows its offline state, and a later 401 signs out then.
 */
export async function hasSession(): Promise<boolean> {
  try {
    const response = await fetch("/trpc/auth.me", { credentials: "same-origin" });
    return response.status !== 401;
  } catch {
    return true;
  }
}

/** Tells the other tabs (the cookie is already shared; their screens are not). */
export function announce(message: SessionMessage): void {
  const ch = channel();
  ch?.postMessage(message);
  ch?.close();
}

/** Clears the cookie on the server (the only way: script cannot touch an httpOnly cookie). */
export async function endSession(): Promise<void> {
  try {
    await fetch("/trpc/auth.logout", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
    });
  } catch {
    // The server is away: this tab signs out anyway; the cookie expires with its token.
  }
}

/** Another tab signed in (true) or out (false). */
export function onSessionChangedElsewhere(listener: (signedIn: boolean) => void): () => void {
  const ch = channel();
  if (!ch) return () => {};
  ch.onmessage = (event: MessageEvent<SessionMessage>) => listener(event.data === "signed-in");
  return () => ch.close();
}
