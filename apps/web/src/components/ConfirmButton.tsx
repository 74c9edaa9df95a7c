import { useState } from "react";

/**
 * A destructive action asks first: the button turns into "Confirm" / "Keep" in place (no modal,
 * no window.confirm), each named after what it does for screen readers.
 */
export function ConfirmButton({
  label,
  name,
  confirmLabel,
  busyLabel,
  busy,
  onConfirm,
}: {
  label: string;
  /** The accessible name: "Close BTCUSDT long position". */
  name: string;
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (busy)
    return (
      <button type="button" className="danger" disabled aria-label={name}>
        {busyLabel}
      </button>
    );
  if (!asking)
    return (
      <button type="button" className="danger" aria-label={name} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span className="confirm">
      <button
        type="button"
        className="danger solid"
        aria-label={`Confirm: ${name}`}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        aria-label={`Keep: do not ${name.charAt(0).toLowerCase()}${name.slice(1)}`}
        onClick={() => setAsking(false)}
      >
        Keep
      </button>
    </span>
  );
}
