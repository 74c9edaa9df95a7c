import { useEffect, useState } from "react";
import type { BalancesRead } from "../types.ts";

/** Re-renders every second so the age counts up between fetches. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * Whether the balances came from the server's cache or were loaded fresh, and how old they are:
 * the age the server reported plus the time since this tab received them.
 */
export function CacheBadge({ read, receivedAt }: { read: BalancesRead; receivedAt: number }) {
  const now = useNow(1000);
  const ageSeconds = Math.max(0, read.ageMs + (now - receivedAt)) / 1000;
  const source = read.stale ? "stale" : read.fromCache ? "cached" : "fresh";
  return (
    <span role="status" aria-label="Balances source" className={`badge ${source}`}>
      {source} · {ageSeconds.toFixed(1)} s old
    </span>
  );
}
