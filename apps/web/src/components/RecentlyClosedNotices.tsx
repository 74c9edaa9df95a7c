import { useState } from "react";
import { formatQuantity, pnlTone } from "../money.ts";
import { closedNoticeParts, readDismissed, storeDismissed, undismissed } from "../recently-closed.ts";
import type { RecentlyClosed } from "../types.ts";

/**
 * One dismissible notice per position the exchange closed lately (a fired stop-loss or
 * take-profit, a liquidation): reconciliation found it, the trader did not close it.
 */
export function RecentlyClosedNotices({ closed }: { closed: RecentlyClosed[] }) {
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(readDismissed);
  const shown = undismissed(closed, dismissed);
  if (shown.length === 0) return null;

  function dismiss(positionId: string) {
    const next = new Set(dismissed).add(positionId);
    storeDismissed(next);
    setDismissed(next);
  }

  return (
    <ul className="notices" aria-label="Positions closed on the exchange">
      {shown.map((position) => {
        const { text, pnl } = closedNoticeParts(position);
        const at = closedAtLabel(position.closedAt);
        return (
          <li key={position.positionId} className="notice" role="status">
            <span>
              {text} <span className={pnlTone(position.realizedPnl)}>{pnl}</span>{" "}
              <time className="muted" dateTime={position.closedAt}>
                {at}
              </time>
            </span>
            <button
              type="button"
              className="dismiss"
              aria-label={`Dismiss notice: ${position.symbol} ${position.side.toLowerCase()} ${formatQuantity(position.quantity)} closed at ${at}`}
              onClick={() => dismiss(position.positionId)}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** "14:05" in the browser's time zone; the notice is about the last 24 hours. */
function closedAtLabel(closedAt: string): string {
  return new Date(closedAt).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}
