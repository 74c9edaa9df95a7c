export interface Figure {
  label: string;
  value: string;
  /** profit / loss colouring of a PnL; none for other figures. */
  tone?: "profit" | "loss" | "flat";
}

/** Labelled figures in a grid (the cache's, the history's), each named for tests and screen readers. */
export function Figures({ figures, columns = 2 }: { figures: readonly Figure[]; columns?: 1 | 2 }) {
  return (
    <dl className={`figures${columns === 1 ? " one-column" : ""}`}>
      {figures.map((figure) => (
        <div key={figure.label} className="figure">
          <dt>{figure.label}</dt>
          <dd className={figure.tone ? `num ${figure.tone}` : "num"}>
            {/* Named so tests and screen readers can ask for one figure; not announced on change. */}
            <output aria-label={figure.label} aria-live="off">
              {figure.value}
            </output>
          </dd>
        </div>
      ))}
    </dl>
  );
}
