/** How many of the position's live orders were placed outside the desk ("1 order" / "2 orders"). */
export function externalOrdersLabel(count: number): string {
  return `${count} ${count === 1 ? "order" : "orders"} placed outside the desk`;
}

/**
 * The "external order" marker: reconciliation found live orders on this position's symbol that
 * the desk did not place (on the exchange's own site or another tool). Shown, never cancelled by
 * the desk; nothing when there are none.
 */
export function ExternalOrdersBadge({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <span
      className="badge external"
      role="img"
      aria-label={externalOrdersLabel(count)}
      title={`${externalOrdersLabel(count)}: found on the exchange by reconciliation. The desk shows ${count === 1 ? "it" : "them"} but never cancels ${count === 1 ? "it" : "them"}; manage ${count === 1 ? "it" : "them"} where ${count === 1 ? "it was" : "they were"} placed.`}
    >
      ext {count}
    </span>
  );
}
