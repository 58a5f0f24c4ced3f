// A virtualized table written here: only the rows in view (plus a margin) exist in the DOM, so 100,000 rows scroll like 20.
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { cx } from './ui';

export interface Column<R> {
  id: string;
  header: string;
  /** A CSS grid track, e.g. '9rem' or 'minmax(8rem,1fr)'. */
  width: string;
  cell: (row: R) => ReactNode;
  className?: string;
}

export interface VirtualTableProps<R> {
  label: string;
  columns: Array<Column<R>>;
  total: number;
  /** The row at an index, or undefined while its page loads. */
  rowAt: (index: number) => R | undefined;
  /** Called with the visible range so the owner can fetch what is missing. */
  onRange?: (start: number, end: number) => void;
  rowKey: (row: R, index: number) => string;
  selected?: number | null;
  onSelect?: (index: number) => void;
  onOpen?: (index: number) => void;
  rowHeight?: number;
  overscan?: number;
}

export function VirtualTable<R>({ label, columns, total, rowAt, onRange, rowKey, selected, onSelect, onOpen, rowHeight = 40, overscan = 6 }: VirtualTableProps<R>) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);
  const template = columns.map((c) => c.width).join(' ');

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  useEffect(() => {
    onRange?.(first, last);
  }, [first, last, onRange]);

  // Rendered inside the scroll event, not a task later: the new rows are there in the same frame.
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (el) flushSync(() => setScrollTop(el.scrollTop));
  }, []);

  const move = (to: number) => {
    if (!total) return;
    const i = Math.max(0, Math.min(total - 1, to));
    onSelect?.(i);
    const el = scroller.current;
    if (!el) return;
    const top = i * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight - rowHeight) el.scrollTop = top + 2 * rowHeight - el.clientHeight;
  };
  const onKey = (e: React.KeyboardEvent) => {
    const cur = selected ?? -1;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const keys: Record<string, number> = { ArrowDown: cur + 1, ArrowUp: cur - 1, PageDown: cur + page, PageUp: cur - page, Home: 0, End: total - 1 };
    if (e.key in keys) {
      e.preventDefault();
      move(keys[e.key]!);
    } else if (e.key === 'Enter' && cur >= 0) {
      e.preventDefault();
      onOpen?.(cur);
    }
  };

  const select = useRef(onSelect);
  select.current = onSelect;
  const openRef = useRef(onOpen);
  openRef.current = onOpen;
  const activate = useCallback((i: number) => {
    select.current?.(i);
    openRef.current?.(i);
  }, []);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const row = rowAt(i);
    rows.push(<Row key={row ? rowKey(row, i) : `loading-${i}`} index={i} row={row} selected={selected === i} columns={columns} template={template} rowHeight={rowHeight} onActivate={activate} />);
  }

  return (
    <div role="table" aria-label={label} aria-rowcount={total + 1} className="flex min-h-0 flex-1 flex-col rounded-lg border border-slate-200 bg-white">
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="grid border-b border-slate-200 bg-slate-50 px-2 text-xs font-semibold uppercase tracking-wide text-slate-600" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div key={c.id} role="columnheader" className="truncate px-2 py-2">
              {c.header}
            </div>
          ))}
        </div>
      </div>
      <div
        ref={scroller}
        role="rowgroup"
        tabIndex={0}
        aria-label={`${label}: use the arrow keys to move, Enter to open`}
        onScroll={onScroll}
        onKeyDown={onKey}
        className="relative min-h-0 flex-1 overflow-auto"
        data-testid="virtual-scroller"
      >
        <div style={{ height: total * rowHeight }} className="relative">
          {rows}
        </div>
      </div>
    </div>
  );
}

interface RowProps<R> {
  index: number;
  row: R | undefined;
  selected: boolean;
  columns: Array<Column<R>>;
  template: string;
  rowHeight: number;
  onActivate: (index: number) => void;
}

/** One row; memoized so a scroll renders only the rows that came into view. */
const Row = memo(function Row<R>({ index, row, selected, columns, template, rowHeight, onActivate }: RowProps<R>) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      onClick={() => onActivate(index)}
      className={cx('absolute inset-x-0 grid cursor-pointer items-center border-b border-slate-100 px-2 text-sm', selected ? 'bg-cyan-50 ring-1 ring-inset ring-cyan-500' : 'hover:bg-slate-50')}
      style={{ height: rowHeight, transform: `translateY(${index * rowHeight}px)`, gridTemplateColumns: template }}
    >
      {row
        ? columns.map((c) => (
            <div key={c.id} role="cell" className={cx('truncate px-2', c.className)}>
              {c.cell(row)}
            </div>
          ))
        : columns.map((c) => (
            <div key={c.id} role="cell" className="px-2">
              <span className="block h-3 w-3/4 animate-pulse rounded bg-slate-200" />
            </div>
          ))}
    </div>
  );
}) as <R>(props: RowProps<R>) => ReactNode;
