import Decimal from "decimal.js";
import { useMemo } from "react";
import { formatSigned } from "../money.ts";
import { trpc } from "../trpc.ts";
import { LineChart } from "./LineChart.tsx";

/** The account's realized PnL over its last 100 closed positions, summed in decimal.js. */
export function PnlCurve() {
  const closed = trpc.positions.closed.useQuery({ limit: 100 }, { staleTime: 10_000 });
  const points = useMemo(() => {
    const items = [...(closed.data?.items ?? [])].filter((p) => p.closedAt).reverse();
    const out: { time: number; value: string }[] = [];
    let total = new Decimal(0);
    for (const p of items) {
      total = total.plus(p.realizedPnl);
      const time = Math.floor(Date.parse(p.closedAt as string) / 1000);
      const last = out.at(-1);
      if (last && last.time >= time) last.value = total.toFixed();
      else out.push({ time, value: total.toFixed() });
    }
    return out;
  }, [closed.data]);
  const total = points.at(-1)?.value ?? "0";
  return (
    <section className="card" aria-labelledby="pnl-curve-heading">
      <div className="section-head">
        <h2 id="pnl-curve-heading">Realized PnL</h2>
        <span className="spacer" />
        <output aria-label="Realized PnL total" className="num">
          {formatSigned(total)} USDT
        </output>
      </div>
      {points.length > 0 ? (
        <LineChart points={points} levels={[]} label="Realized PnL curve" />
      ) : (
        <p className="muted">No closed positions yet</p>
      )}
    </section>
  );
}
