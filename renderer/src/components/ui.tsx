// shadcn-style building blocks written here: Card (with variants), Button, Badge, Dialog, Tabs, Table pieces, Toast, Field.
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type HTMLAttributes, type InputHTMLAttributes, type ReactNode } from 'react';
import { AlertTriangle, CheckCircle2, Info, Loader2, X, XCircle } from 'lucide-react';

export function cx(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(' ');
}

type CardVariant = 'default' | 'platform' | 'success' | 'warning' | 'danger' | 'muted';
const CARD: Record<CardVariant, string> = {
  default: 'border border-slate-200 bg-white',
  platform: 'border border-slate-200 border-l-4 border-l-cyan-500 bg-white',
  success: 'border border-emerald-200 border-l-4 border-l-brand bg-white',
  warning: 'border border-amber-200 border-l-4 border-l-amber-500 bg-amber-50/40',
  danger: 'border border-red-200 border-l-4 border-l-red-600 bg-red-50/40',
  muted: 'border border-dashed border-slate-300 bg-slate-50',
};

export function Card({ variant = 'default', className, ...rest }: HTMLAttributes<HTMLDivElement> & { variant?: CardVariant }) {
  return <div className={cx('rounded-lg shadow-sm', CARD[variant], className)} {...rest} />;
}
export function CardHeader({ title, icon, action, id }: { title: ReactNode; icon?: ReactNode; action?: ReactNode; id?: string }) {
  return (
    <div className="flex items-center justify-between gap-2 px-4 pt-3 pb-2">
      <h2 id={id} className="flex items-center gap-2 text-base font-semibold text-slate-800">
        {icon}
        {title}
      </h2>
      {action}
    </div>
  );
}
export function CardBody({ className, ...rest }: HTMLAttributes<HTMLDivElement>) {
  return <div className={cx('px-4 pb-4', className)} {...rest} />;
}

type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger' | 'outline';
const BUTTON: Record<ButtonVariant, string> = {
  primary: 'bg-brand text-white hover:bg-brand-dark disabled:bg-slate-400',
  secondary: 'bg-slate-100 text-slate-900 hover:bg-slate-200 disabled:text-slate-500',
  outline: 'border border-slate-300 bg-white text-slate-900 hover:bg-slate-50 disabled:text-slate-500',
  ghost: 'text-slate-700 hover:bg-slate-100 disabled:text-slate-500',
  danger: 'bg-red-700 text-white hover:bg-red-800 disabled:bg-slate-400',
};
export function Button({
  variant = 'primary',
  size = 'md',
  busy,
  className,
  children,
  disabled,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: ButtonVariant; size?: 'sm' | 'md' | 'lg'; busy?: boolean }) {
  const sizes = { sm: 'h-8 px-3 text-sm', md: 'h-10 px-4 text-sm', lg: 'h-12 px-6 text-base' };
  return (
    <button
      type="button"
      className={cx('inline-flex items-center justify-center gap-2 rounded-md font-medium transition-colors disabled:cursor-not-allowed', sizes[size], BUTTON[variant], className)}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && <Loader2 className="size-4 animate-spin" aria-hidden />}
      {children}
    </button>
  );
}

export type Tone = 'green' | 'cyan' | 'amber' | 'red' | 'slate' | 'blue';
const BADGE: Record<Tone, string> = {
  green: 'bg-emerald-100 text-emerald-900 ring-emerald-300',
  cyan: 'bg-cyan-100 text-cyan-900 ring-cyan-300',
  amber: 'bg-amber-100 text-amber-900 ring-amber-300',
  red: 'bg-red-100 text-red-900 ring-red-300',
  slate: 'bg-slate-100 text-slate-800 ring-slate-300',
  blue: 'bg-blue-100 text-blue-900 ring-blue-300',
};
export function Badge({ tone = 'slate', children, className }: { tone?: Tone; children: ReactNode; className?: string }) {
  return <span className={cx('inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset whitespace-nowrap', BADGE[tone], className)}>{children}</span>;
}

/** A modal dialog: focus moves in, Escape closes, Tab stays inside, focus returns to the opener. */
export function Dialog({ open, title, description, onClose, children, footer }: { open: boolean; title: string; description?: ReactNode; onClose: () => void; children?: ReactNode; footer?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const descId = useId();
  useEffect(() => {
    if (!open) return;
    const opener = document.activeElement as HTMLElement | null;
    const node = ref.current;
    const focusables = () => Array.from(node?.querySelectorAll<HTMLElement>('button,input,select,textarea,a[href],[tabindex]:not([tabindex="-1"])') ?? []).filter((e) => !e.hasAttribute('disabled'));
    focusables()[0]?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      } else if (e.key === 'Tab') {
        const f = focusables();
        if (!f.length) return;
        const first = f[0]!;
        const last = f[f.length - 1]!;
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      opener?.focus();
    };
  }, [open, onClose]);
  if (!open) return null;
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/40 p-4">
      <div ref={ref} role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={description ? descId : undefined} className="w-full max-w-lg rounded-lg bg-white shadow-xl">
        <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
          <div>
            <h2 id={titleId} className="text-lg font-semibold">{title}</h2>
            {description && <p id={descId} className="mt-1 text-sm text-slate-600">{description}</p>}
          </div>
          <button type="button" onClick={onClose} aria-label="Close" className="rounded p-1 text-slate-600 hover:bg-slate-100">
            <X className="size-5" aria-hidden />
          </button>
        </div>
        {children && <div className="max-h-[60vh] overflow-auto px-5 py-4">{children}</div>}
        {footer && <div className="flex justify-end gap-2 border-t border-slate-200 px-5 py-3">{footer}</div>}
      </div>
    </div>
  );
}

/** Tabs with arrow-key movement (WAI-ARIA tabs pattern). */
export function Tabs<T extends string>({ tabs, value, onChange, label }: { tabs: Array<{ id: T; label: ReactNode }>; value: T; onChange: (id: T) => void; label: string }) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKey = (e: React.KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (i + step + tabs.length) % tabs.length;
    onChange(tabs[next]!.id);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="flex gap-1 border-b border-slate-200">
      {tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          role="tab"
          type="button"
          id={`tab-${t.id}`}
          aria-selected={value === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={value === t.id ? 0 : -1}
          onKeyDown={(e) => onKey(e, i)}
          onClick={() => onChange(t.id)}
          className={cx('-mb-px border-b-2 px-3 py-2 text-sm font-medium', value === t.id ? 'border-cyan-600 text-cyan-900' : 'border-transparent text-slate-600 hover:text-slate-900')}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
export function TabPanel({ id, children, className, focusable }: { id: string; children: ReactNode; className?: string; focusable?: boolean }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} className={className} tabIndex={focusable ? 0 : undefined}>
      {children}
    </div>
  );
}

/** A small static table (the receipts list has its own virtualized one). */
export function Table({ caption, head, rows, className }: { caption: string; head: ReactNode[]; rows: ReactNode[][]; className?: string }) {
  return (
    <table className={cx('w-full text-left text-sm', className)}>
      <caption className="sr-only">{caption}</caption>
      <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-600">
        <tr>
          {head.map((h, i) => (
            <th key={i} scope="col" className="px-2 py-2 font-semibold">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i} className="border-b border-slate-100 last:border-0">
            {r.map((c, j) => (
              <td key={j} className="px-2 py-2 align-top">
                {c}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Field({ label, hint, error, children, id }: { label: string; hint?: ReactNode; error?: string | null; children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode; id?: string }) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = `${fid}-hint`;
  const errId = `${fid}-err`;
  const described = [hint ? hintId : '', error ? errId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={fid} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      {children({ id: fid, 'aria-describedby': described, 'aria-invalid': error ? true : undefined })}
      {hint && <p id={hintId} className="text-xs text-slate-600">{hint}</p>}
      {error && (
        <p id={errId} className="text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
export function Input(props: InputHTMLAttributes<HTMLInputElement>) {
  return <input {...props} className={cx('h-10 rounded-md border border-slate-300 bg-white px-3 text-sm text-slate-900 placeholder:text-slate-500 aria-[invalid=true]:border-red-600', props.className)} />;
}
export function Select({ className, ...rest }: React.SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...rest} className={cx('h-10 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-900', className)} />;
}

/** Loading, empty and error states every screen shows the same way. */
export function Loading({ what }: { what: string }) {
  return (
    <div role="status" className="flex items-center gap-2 p-6 text-slate-600">
      <Loader2 className="size-5 animate-spin" aria-hidden /> Loading {what}…
    </div>
  );
}
export function Empty({ icon, title, children }: { icon?: ReactNode; title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 p-8 text-center text-slate-600">
      {icon}
      <p className="text-base font-semibold text-slate-800">{title}</p>
      {children && <div className="max-w-md text-sm">{children}</div>}
    </div>
  );
}
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="m-4 flex items-start gap-3 rounded-md border border-red-200 bg-red-50 p-4 text-red-900">
      <XCircle className="mt-0.5 size-5 shrink-0" aria-hidden />
      <div className="flex-1">
        <p className="font-semibold">Something went wrong</p>
        <p className="text-sm">{message}</p>
      </div>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

type ToastKind = 'success' | 'error' | 'info' | 'warning';
interface ToastItem {
  id: number;
  kind: ToastKind;
  text: string;
}
const ToastContext = createContext<(kind: ToastKind, text: string) => void>(() => undefined);
export function useToast() {
  return useContext(ToastContext);
}
export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([]);
  const next = useRef(1);
  const push = useCallback((kind: ToastKind, text: string) => {
    const id = next.current++;
    setItems((xs) => [...xs.slice(-3), { id, kind, text }]);
    setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  const icon = { success: CheckCircle2, error: XCircle, info: Info, warning: AlertTriangle };
  const tone = { success: 'border-l-brand', error: 'border-l-red-600', info: 'border-l-cyan-500', warning: 'border-l-amber-500' };
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div aria-live="polite" className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-80 flex-col gap-2">
        {items.map((t) => {
          const Icon = icon[t.kind];
          return (
            <div key={t.id} role={t.kind === 'error' ? 'alert' : 'status'} className={cx('toast-in pointer-events-auto flex items-start gap-2 rounded-md border border-slate-200 border-l-4 bg-white p-3 text-sm shadow-lg', tone[t.kind])}>
              <Icon className="mt-0.5 size-4 shrink-0" aria-hidden />
              <span className="flex-1">{t.text}</span>
              <button type="button" aria-label="Dismiss" className="text-slate-500 hover:text-slate-800" onClick={() => setItems((xs) => xs.filter((x) => x.id !== t.id))}>
                <X className="size-4" aria-hidden />
              </button>
            </div>
          );
        })}
      </div>
    </ToastContext.Provider>
  );
}
