import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from "react";

/** Outcomes of the trader's actions (order placed, position closed, orders cancelled), for a few seconds. */
export type ToastTone = "success" | "error" | "info";
interface Toast {
  id: number;
  tone: ToastTone;
  text: string;
}

const TOAST_MS = 8_000;
const ToastContext = createContext<(tone: ToastTone, text: string) => void>(() => {});

export function useToast() {
  return useContext(ToastContext);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const show = useCallback((tone: ToastTone, text: string) => {
    setToasts((current) => [...current.slice(-3), { id: Date.now() + Math.random(), tone, text }]);
  }, []);
  const dismiss = (id: number) => setToasts((current) => current.filter((t) => t.id !== id));
  return (
    <ToastContext.Provider value={show}>
      {children}
      <section className="toasts" aria-label="Notifications">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={() => dismiss(toast.id)} />
        ))}
      </section>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: () => void }) {
  const latest = useRef(onDismiss);
  latest.current = onDismiss;
  useEffect(() => {
    const timer = setTimeout(() => latest.current(), TOAST_MS);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className={`toast ${toast.tone}`} role={toast.tone === "error" ? "alert" : "status"}>
      <span>{toast.text}</span>
      <button type="button" className="dismiss" aria-label={`Dismiss: ${toast.text}`} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
