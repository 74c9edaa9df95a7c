import { useCacheMetrics, useInvalidateCache } from "../hooks/useCache.ts";
import { formatPercent } from "../money.ts";
import { Figures } from "./Figures.tsx";

export function CachePanel() {
  const metrics = useCacheMetrics();
  const invalidate = useInvalidateCache();
  const m = metrics.data;
  const figures = m
    ? [
        { label: "Hit rate", value: formatPercent(m.hitRate) },
        { label: "Hits", value: String(m.hits) },
        { label: "Misses", value: String(m.misses) },
        { label: "Size", value: String(m.size) },
        { label: "Invalidations", value: String(m.invalidations) },
      ]
    : [];

  return (
    <section className="card" aria-labelledby="cache-heading">
      <h2 id="cache-heading">Cache</h2>
      <p className="muted small">
        {m?.scope === "server"
          ? "Every user's figures on this server (admin)"
          : "Your reads and invalidations"}
      </p>
      {metrics.error && <p role="alert">Cache metrics unavailable: {metrics.error.message}</p>}
      <Figures figures={figures} />
      <button type="button" onClick={() => invalidate.mutate({})} disabled={invalidate.isPending}>
        Invalidate my cache
      </button>
      {invalidate.data && (
        <p role="status" className="muted small">
          Entries removed: {invalidate.data.invalidated}
        </p>
      )}
    </section>
  );
}
