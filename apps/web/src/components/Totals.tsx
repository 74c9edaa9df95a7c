import { formatAmount, formatSigned, pnlTone } from "../money.ts";
import type { BalancesSummary } from "../types.ts";

export function Totals({ totals }: { totals: BalancesSummary["totals"] }) {
  const items = [
    { label: "Equity", value: formatAmount(totals.equity), tone: "flat" },
    { label: "Wallet balance", value: formatAmount(totals.walletBalance), tone: "flat" },
    {
      label: "Unrealized PnL",
      value: formatSigned(totals.unrealizedPnl),
      tone: pnlTone(totals.unrealizedPnl),
    },
    { label: "Open notional", value: formatAmount(totals.notional), tone: "flat" },
  ];
  return (
    <section aria-label="Totals" className="totals">
      {items.map((item) => (
        <div key={item.label} className="card total">
          <span className="muted">{item.label}</span>
          <strong className={`num ${item.tone}`}>
            {item.value} <small>{totals.currency}</small>
          </strong>
        </div>
      ))}
    </section>
  );
}
