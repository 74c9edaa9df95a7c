/**
 * The live mark prices this tab has received, per symbol, for the price chart: what the event
 * stream pushed (and the summary's marks), at most MAX_POINTS per symbol. Decimal strings.
 */

export interface MarkPoint {
  /** Seconds since the epoch (the chart's time scale); one point per second, the latest wins. */
  time: number;
  price: string;
}

const MAX_POINTS = 600;
const history = new Map<string, MarkPoint[]>();
const listeners = new Set<(symbol: string) => void>();

export function recordMarks(prices: Record<string, string | null>, at: string): void {
  const time = Math.floor(Date.parse(at) / 1000);
  for (const [symbol, price] of Object.entries(prices)) {
    if (price === null) continue;
    const points = history.get(symbol) ?? [];
    const last = points.at(-1);
    if (last && last.time > time) continue; // late: the chart only moves forward
    if (last && last.time === time) last.price = price;
    else points.push({ time, price });
    if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    history.set(symbol, points);
    for (const listener of listeners) listener(symbol);
  }
}

export function marksOf(symbol: string): readonly MarkPoint[] {
  return history.get(symbol) ?? [];
}

export function onMarks(listener: (symbol: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
