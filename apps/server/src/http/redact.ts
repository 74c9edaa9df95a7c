/**
 * URLs as logged. Tokens must never reach the logs, however they arrive: an event stream carries
 * one in `connectionParams`, and anyone can put one in any parameter (percent-encoded or not), so
 * values are judged by what they look like after decoding, and names only add to that.
 */

const SECRET_NAME = /token|auth|secret|pass|key|session|cookie|connectionparams|jwt|bearer|credential/i;
/** A JWT (three base64url parts, the first a JSON header) or a long opaque string. */
const TOKEN_LIKE = /eyJ[\w-]*\.[\w-]*\.[\w-]*|[A-Za-z0-9_\-+/=]{32,}/g;
const REDACTED = "[redacted]";

export function redactUrl(url: string): string {
  const queryAt = url.indexOf("?");
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const redactedPath = decode(path).replace(TOKEN_LIKE, REDACTED);
  if (queryAt < 0) return redactedPath;
  const parts: string[] = [];
  // URLSearchParams decodes %xx and "+" in names and values alike.
  for (const [name, value] of new URLSearchParams(url.slice(queryAt + 1))) {
    const shownName = name.replace(TOKEN_LIKE, REDACTED);
    const shownValue = SECRET_NAME.test(name) ? REDACTED : value.replace(TOKEN_LIKE, REDACTED);
    parts.push(`${shownName}=${shownValue}`);
  }
  return `${redactedPath}?${parts.join("&")}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
