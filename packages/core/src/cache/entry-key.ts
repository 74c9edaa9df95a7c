/**
 * The engine's key for one (userId, dataType). The length prefix makes the encoding
 * injective: no choice of ids (colons, digits, anything) lets two users share a key.
 */
export function entryKey(userId: string, dataType: string): string {
  return `${userId.length}:${userId}${dataType}`;
}
