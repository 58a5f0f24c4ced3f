// Receipts: a virtualized, filterable list (fast at 100,000 rows), state badges and reasons, a detail panel with paper, transaction, history and IRN, retry and reprocess.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ArrowLeft, FileText, RefreshCw, RotateCcw, Search, Wrench } from 'lucide-react';
import type { Input as In, ReceiptDetail, ReceiptState, ReceiptSummary } from '../../../preload/api';
import { call, subscribe, useRequest, type RequestError } from '../bridge';
import { Badge, Button, Card, Empty, ErrorState, Field, Input, Loading, Select, TabPanel, Tabs, Table, useToast } from '../components/ui';
import { VirtualTable, type Column } from '../components/virtual-table';
import { PaperOf, ReceiptHeader, TransactionView, Validation } from '../components/receipt-view';
import { STATE_LABEL, STATE_TONE, money, shortWhen, when } from '../format';
import { useStatus } from '../status-context';

const PAGE = 500;
const STATE_FILTERS: Array<{ id: string; label: string; states?: ReceiptState[] }> = [
  { id: 'all', label: 'All receipts' },
  { id: 'attention', label: 'Needs a person (review, unreadable, rejected)', states: ['review', 'unparsed', 'rejected'] },
  { id: 'waiting', label: 'Waiting to send', states: ['pending', 'in_flight'] },
  { id: 'reading', label: 'Reading pictures (OCR)', states: ['reading'] },
  { id: 'accepted', label: 'Accepted', states: ['accepted', 'duplicate'] },
  { id: 'review', label: 'Needs review', states: ['review'] },
  { id: 'rejected', label: 'Rejected', states: ['rejected'] },
  { id: 'unparsed', label: 'Could not read', states: ['unparsed'] },
];
const DATE_FILTERS = [
  { id: 'any', label: 'Any day', days: null },
  { id: 'today', label: 'Today', days: 0 },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
] as const;

/** Pages fetched in order behind a cursor; the table asks for ranges and we fetch until they are covered. */
function useReceiptPages(filter: Omit<In<'receipts.list'>, 'cursor' | 'limit'>, key: string) {
  const rows = useRef<ReceiptSummary[]>([]);
  const cursor = useRef<string | null | undefined>(undefined);
  const want = useRef(0);
  const fetching = useRef(false);
  const generation = useRef(0);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<RequestError>();
  const [, setVersion] = useState(0);

  const pump = useCallback(async () => {
    if (fetching.current) return;
    fetching.current = true;
    const gen = generation.current;
    try {
      while (gen === generation.current && cursor.current !== null && (cursor.current === undefined || rows.current.length < want.current)) {
        const page = await call('receipts.list', { ...filter, limit: PAGE, ...(cursor.current ? { cursor: cursor.current } : {}) });
        if (gen !== generation.current) break;
        rows.current = rows.current.concat(page.rows);
        cursor.current = page.nextCursor;
        setTotal(page.total);
        setError(undefined);
        setVersion((v) => v + 1);
      }
    } catch (e) {
      if (gen === generation.current) setError(e as RequestError);
    } finally {
      fetching.current = false;
      if (gen !== generation.current) void pump();
    }
  }, [key]);

  const reset = useCallback(() => {
    generation.current++;
    rows.current = [];
    cursor.current = undefined;
    want.current = Math.max(want.current, PAGE);
    void pump();
  }, [pump]);

  useEffect(() => {
    setTotal(null);
    want.current = PAGE;
    reset();
  }, [reset]);

  const onRange = useCallback(
    (_start: number, end: number) => {
      if (end > want.current) {
        want.current = end + PAGE / 2;
        void pump();
      }
    },
    [pump],
  );
  const patch = useCallback((id: string, change: Partial<ReceiptSummary>) => {
    const i = rows.current.findIndex((r) => r.id === id);
    if (i < 0) return false;
    rows.current[i] = { ...rows.current[i]!, ...change };
    setVersion((v) => v + 1);
    return true;
  }, []);
  return { rows: rows.current, total, error, onRange, reset, patch };
}

export function ReceiptsScreen() {
  const { status } = useStatus();
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [stateFilter, setStateFilter] = useState(() => new URLSearchParams(location.hash.split('?')[1] ?? '').get('state') ?? 'all');
  const [device, setDevice] = useState('');
  const [dateFilter, setDateFilter] = useState<(typeof DATE_FILTERS)[number]['id']>('any');
  const [selected, setSelected] = useState<number | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);

  const filter = useMemo(() => {
    const f: Omit<In<'receipts.list'>, 'cursor' | 'limit'> = {};
    const states = STATE_FILTERS.find((s) => s.id === stateFilter)?.states;
    if (states) f.states = states;
    if (device) f.deviceId = device;
    if (debounced) f.receiptNumber = debounced;
    const days = DATE_FILTERS.find((d) => d.id === dateFilter)?.days;
    if (days != null) {
      const from = new Date();
      from.setHours(0, 0, 0, 0);
      from.setDate(from.getDate() - days);
      f.from = from.toISOString();
    }
    return f;
  }, [stateFilter, device, debounced, dateFilter]);
  const key = JSON.stringify(filter);
  const pages = useReceiptPages(filter, key);
  useEffect(() => setSelected(null), [key]);

  // Live: a receipt that changes state is patched in place; a new one reloads the list (at most once a second).
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [detailTick, setDetailTick] = useState(0);
  useEffect(
    () =>
      subscribe('receipt', (e) => {
        const known = pages.patch(e.id, { state: e.state, irn: e.irn, reason: e.problems[0]?.message ?? null });
        if (e.id === openId) setDetailTick((t) => t + 1);
        if (!known && !reloadTimer.current) {
          reloadTimer.current = setTimeout(() => {
            reloadTimer.current = null;
            pages.reset();
          }, 1000);
        }
      }),
    [pages.patch, pages.reset, openId],
  );
  useEffect(() => () => void (reloadTimer.current && clearTimeout(reloadTimer.current)), []);

  const compact = openId !== null;
  const columns: Array<Column<ReceiptSummary>> = useMemo(() => {
    const all: Array<Column<ReceiptSummary> & { wide?: boolean }> = [
      { id: 'state', header: 'State', width: '9.5rem', cell: (r) => <Badge tone={STATE_TONE[r.state]}>{STATE_LABEL[r.state]}</Badge> },
      { id: 'number', header: 'Receipt no.', width: 'minmax(7.5rem,0.8fr)', cell: (r) => <span className="font-mono">{r.receiptNumber ?? '—'}</span> },
      { id: 'when', header: 'Captured', width: '8rem', wide: true, cell: (r) => shortWhen(r.createdAt) },
      { id: 'device', header: 'Device', width: 'minmax(6rem,0.6fr)', wide: true, cell: (r) => r.deviceId },
      { id: 'total', header: 'Total', width: '7.5rem', className: 'text-right tabular-nums', cell: (r) => money(r.total) },
      {
        id: 'reason',
        header: 'Why / IRN',
        width: 'minmax(6rem,1.4fr)',
        cell: (r) => (r.reason ? <span className="text-amber-900" title={r.reason}>{r.reason}</span> : r.irn ? <span className="font-mono text-xs text-slate-600">{r.irn}</span> : <span className="text-slate-500">—</span>),
      },
    ];
    return compact ? all.filter((c) => !c.wide) : all;
  }, [compact]);

  const rowAt = useCallback((i: number) => pages.rows[i], [pages.rows]);
  const open = (i: number) => {
    const r = pages.rows[i];
    if (r) setOpenId(r.id);
  };
  const devices = status?.devices.map((d) => d.id) ?? [];

  return (
    <div className="flex h-full min-h-[420px] flex-col gap-3">
      <div className="flex flex-wrap items-end gap-2" role="search" aria-label="Filter receipts">
        <div className="min-w-[10rem] flex-1">
          <Field label="Receipt number">
            {(p) => (
              <div className="relative">
                <Search className="pointer-events-none absolute top-3 left-2.5 size-4 text-slate-500" aria-hidden />
                <Input {...p} type="search" placeholder="Search, e.g. 004512" value={search} onChange={(e) => setSearch(e.target.value)} className="w-full pl-8" />
              </div>
            )}
          </Field>
        </div>
        <Field label="Show">
          {(p) => (
            <Select {...p} value={stateFilter} onChange={(e) => setStateFilter(e.target.value)} className="max-w-[14rem]">
              {STATE_FILTERS.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Device">
          {(p) => (
            <Select {...p} value={device} onChange={(e) => setDevice(e.target.value)}>
              <option value="">All devices</option>
              {devices.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Day">
          {(p) => (
            <Select {...p} value={dateFilter} onChange={(e) => setDateFilter(e.target.value as typeof dateFilter)}>
              {DATE_FILTERS.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Button variant="outline" onClick={pages.reset} aria-label="Reload receipts">
          <RefreshCw className="size-4" aria-hidden />
        </Button>
      </div>
      <p className="text-sm text-slate-600" aria-live="polite" data-testid="receipt-count">
        {pages.total === null ? 'Loading…' : `${pages.total.toLocaleString('en-NG')} receipt${pages.total === 1 ? '' : 's'}`}
      </p>

      <div className={`grid min-h-0 flex-1 gap-3 ${openId ? 'xl:grid-cols-[minmax(0,1fr)_30rem]' : ''}`}>
        <div className={`min-h-0 flex-col ${openId ? 'hidden xl:flex' : 'flex'}`}>
          {pages.error && pages.total === null ? (
            <ErrorState error={pages.error} onRetry={pages.reset} />
          ) : pages.total === null ? (
            <Loading what="receipts" />
          ) : pages.total === 0 ? (
            <Card variant="muted">
              <Empty icon={<FileText className="size-8 text-slate-500" aria-hidden />} title={key === '{}' ? 'No receipts yet' : 'No receipts match'}>
                {key === '{}' ? 'Receipts appear here as soon as the till prints them.' : 'Try another receipt number, state or day.'}
              </Empty>
            </Card>
          ) : (
            <VirtualTable label="Receipts" columns={columns} total={pages.total} rowAt={rowAt} onRange={pages.onRange} rowKey={(r) => r.id} selected={selected} onSelect={setSelected} onOpen={open} />
          )}
        </div>
        {openId && <DetailPanel id={openId} tick={detailTick} onClose={() => setOpenId(null)} onChanged={pages.patch} />}
      </div>
    </div>
  );
}

function DetailPanel({ id, tick, onClose, onChanged }: { id: string; tick: number; onClose: () => void; onChanged: (id: string, change: Partial<ReceiptSummary>) => void }) {
  const [detail, setDetail] = useState<ReceiptDetail>();
  const [error, setError] = useState<RequestError>();
  const [tab, setTab] = useState<'paper' | 'transaction' | 'history'>('transaction');
  const [busy, setBusy] = useState<'retry' | 'reprocess' | null>(null);
  const [reload, setReload] = useState(0);
  const [profile, setProfile] = useState('');
  const profiles = useRequest('profiles.list', {});
  const toast = useToast();
  useEffect(() => {
    let live = true;
    call('receipts.get', { id }).then(
      (d) => live && (setDetail(d), setError(undefined)),
      (e: RequestError) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [id, tick, reload]);
  const act = async (what: 'retry' | 'reprocess') => {
    setBusy(what);
    try {
      const s = what === 'retry' ? await call('receipts.retry', { id }) : await call('receipts.reprocess', profile ? { id, profile } : { id });
      onChanged(id, s);
      toast(s.state === 'pending' ? 'success' : 'warning', s.state === 'pending' ? 'Queued to send.' : `Still ${STATE_LABEL[s.state].toLowerCase()}: ${s.reason ?? 'see the problems listed'}`);
      setReload((r) => r + 1);
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card variant="platform" className="flex min-h-0 flex-col" aria-labelledby="detail-title" data-testid="receipt-detail">
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-2">
        <h2 id="detail-title" className="text-base font-semibold">
          Receipt {detail?.summary.receiptNumber ?? ''}
        </h2>
        <Button variant="ghost" size="sm" onClick={onClose}>
          <ArrowLeft className="size-4" aria-hidden /> Back to list
        </Button>
      </div>
      {error ? (
        <ErrorState error={error} onRetry={() => setReload((r) => r + 1)} />
      ) : !detail ? (
        <Loading what="the receipt" />
      ) : (
        <div className="flex min-h-0 flex-1 flex-col gap-3 overflow-auto p-4">
          <ReceiptHeader receipt={detail} />
          <Validation receipt={detail} />
          {detail.lastError && <p className="text-sm text-slate-700">Last attempt: {detail.lastError}</p>}
          {(detail.canRetry || detail.canReprocess) && (
            <div className="flex flex-wrap gap-2">
              {detail.canReprocess && (
                <div className="flex flex-wrap items-end gap-2">
                  <Field label="Read it with">
                    {(p) => (
                      <Select {...p} value={profile} onChange={(e) => setProfile(e.target.value)}>
                        <option value="">The device's profile{detail.capture?.profile ? ` (${detail.capture.profile})` : ''}</option>
                        {(profiles.data?.profiles ?? []).map((x) => (
                          <option key={x.name} value={x.name}>
                            {x.name}
                          </option>
                        ))}
                      </Select>
                    )}
                  </Field>
                  <Button variant="primary" onClick={() => void act('reprocess')} busy={busy === 'reprocess'}>
                    <Wrench className="size-4" aria-hidden /> Reprocess
                  </Button>
                </div>
              )}
              {detail.canRetry && (
                <Button variant="outline" onClick={() => void act('retry')} busy={busy === 'retry'}>
                  <RotateCcw className="size-4" aria-hidden /> Retry sending
                </Button>
              )}
            </div>
          )}
          <Tabs
            label="Receipt views"
            value={tab}
            onChange={setTab}
            tabs={[
              { id: 'transaction', label: 'Transaction' },
              { id: 'paper', label: 'Paper' },
              { id: 'history', label: 'History' },
            ]}
          />
          {tab === 'transaction' && (
            <TabPanel id="transaction">
              <TransactionView receipt={detail} />
            </TabPanel>
          )}
          {tab === 'paper' && (
            <TabPanel id="paper" className="overflow-x-auto rounded-md bg-slate-100 p-3" focusable>
              <PaperOf receipt={detail} />
            </TabPanel>
          )}
          {tab === 'history' && (
            <TabPanel id="history">
              <Table
                caption="State history"
                head={['When', 'State', 'Note']}
                rows={detail.history.map((h) => [when(h.at), <Badge tone={STATE_TONE[h.to]}>{STATE_LABEL[h.to]}</Badge>, h.note ?? ''])}
              />
              {detail.capture && (
                <p className="mt-2 text-xs text-slate-600">
                  Captured {when(detail.capture.capturedAt)} · {detail.capture.bytes} bytes · {detail.capture.integration}
                  {detail.capture.profile ? ` · ${detail.capture.profile}` : ''}
                </p>
              )}
            </TabPanel>
          )}
        </div>
      )}
    </Card>
  );
}
