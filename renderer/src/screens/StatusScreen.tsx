// Status: one overall state with what to do, today's receipts and VAT, the outbox, the cloud, a card per device, alerts.
import { AlertTriangle, Cloud, CloudOff, Cpu, Inbox, Printer, Receipt, RotateCw } from 'lucide-react';
import type { DeviceStatusView, StatusView } from '../../../preload/api';
import { Badge, Card, CardBody, CardHeader, Empty, ErrorState, Loading, type Tone } from '../components/ui';
import { useStatus } from '../status-context';
import { OVERALL, ago, duration, KIND_LABEL, money, num, when } from '../format';

export function StatusScreen() {
  const { status, error, refresh } = useStatus();
  if (!status && error) return <ErrorState error={error} onRetry={refresh} />;
  if (!status) return <Loading what="the bridge's status" />;
  return <StatusBody status={status} />;
}

const OVERALL_CARD = { ok: 'success', attention: 'warning', offline: 'danger', paused: 'muted', restarting: 'platform', starting: 'platform' } as const;

function StatusBody({ status }: { status: StatusView }) {
  const overall = OVERALL[status.state];
  return (
    <div className="flex flex-col gap-4" data-testid="status-screen">
      <Card variant={OVERALL_CARD[status.state]} aria-labelledby="overall-title">
        <div className="flex flex-col gap-3 p-4 md:flex-row md:items-center md:justify-between">
          <div className="min-w-0 flex-1">
            <h2 id="overall-title" className="flex items-center gap-2 text-2xl font-bold text-slate-900">
              {status.state === 'restarting' && <RotateCw className="size-6 animate-spin text-cyan-700" aria-hidden />}
              <span data-testid="overall-label">{overall.label}</span>
            </h2>
            <p className="mt-1 text-base text-slate-700" data-testid="headline">
              {status.headline}
            </p>
            {status.engine.state !== 'running' && status.engine.message && <p className="mt-1 text-sm text-slate-700">{status.engine.message}</p>}
            {status.cloud.state === 'pairing_lost' && (
              <p className="mt-2">
                <a className="font-medium text-cyan-800 underline" href="#/pairing" data-testid="pair-again">
                  Pair again
                </a>
              </p>
            )}
          </div>
          <div className="grid shrink-0 grid-cols-2 gap-6 md:text-right">
            <Figure label="Receipts today" value={num(status.today.receipts)} testId="today-receipts" />
            <Figure label="VAT today" value={money(status.today.vat)} testId="today-vat" />
          </div>
        </div>
      </Card>

      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <OutboxCard status={status} />
        <CloudCard status={status} />
      </div>

      <section aria-labelledby="devices-title" className="flex flex-col gap-2">
        <h2 id="devices-title" className="text-base font-semibold text-slate-800">
          Devices
        </h2>
        {status.devices.length === 0 ? (
          <Card variant="muted">
            <Empty icon={<Printer className="size-8 text-slate-500" aria-hidden />} title="No devices set up yet">
              Add the till's printer or card terminal on the <a className="font-medium text-cyan-800 underline" href="#/devices">Devices</a> screen.
            </Empty>
          </Card>
        ) : (
          <div className="grid grid-cols-1 gap-3 md:grid-cols-2 xl:grid-cols-3">
            {status.devices.map((d) => (
              <DeviceCard key={d.id} device={d} />
            ))}
          </div>
        )}
      </section>

      {status.alerts.length > 0 && (
        <Card variant="warning" aria-labelledby="alerts-title">
          <CardHeader id="alerts-title" title="Alerts" icon={<AlertTriangle className="size-5 text-amber-700" aria-hidden />} />
          <CardBody>
            <ul className="flex flex-col gap-2">
              {status.alerts.map((a, i) => (
                <li key={`${a.code}-${i}`} className="flex items-start gap-2 text-sm">
                  <Badge tone={a.severity === 'error' ? 'red' : a.severity === 'warning' ? 'amber' : 'slate'}>{a.severity}</Badge>
                  <span className="flex-1">{a.message}</span>
                  <span className="text-xs whitespace-nowrap text-slate-600">{ago(a.at)}</span>
                </li>
              ))}
            </ul>
          </CardBody>
        </Card>
      )}
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <div className="text-xs font-medium tracking-wide text-slate-600 uppercase">{label}</div>
      <div className="text-3xl font-bold text-slate-900 tabular-nums" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

function Stat({ label, value, tone, testId }: { label: string; value: string; tone?: 'amber' | 'red'; testId?: string }) {
  return (
    <div className="flex flex-col">
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className={`text-2xl font-semibold tabular-nums ${tone === 'red' ? 'text-red-700' : tone === 'amber' ? 'text-amber-800' : 'text-slate-900'}`} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function OutboxCard({ status }: { status: StatusView }) {
  const o = status.outbox;
  return (
    <Card variant="platform" aria-labelledby="outbox-title">
      <CardHeader id="outbox-title" title="Outbox" icon={<Inbox className="size-5 text-cyan-700" aria-hidden />} />
      <CardBody>
        <dl className="grid grid-cols-4 gap-3">
          <Stat label="Waiting" value={num(o.pending)} testId="outbox-pending" />
          <Stat label="Oldest" value={o.oldestPendingAgeS == null ? '—' : duration(o.oldestPendingAgeS)} />
          <Stat label="Review" value={num(o.review)} tone={o.review ? 'amber' : undefined} testId="outbox-review" />
          <Stat label="Rejected" value={num(o.rejected)} tone={o.rejected ? 'red' : undefined} />
        </dl>
        {(o.review > 0 || o.rejected > 0) && (
          <p className="mt-3 text-sm text-slate-700">
            <a className="font-medium text-cyan-800 underline" href="#/receipts">
              Open receipts
            </a>{' '}
            to see why they are held and to send them on.
          </p>
        )}
        {o.buffered > 0 && <p className="mt-2 text-sm text-amber-800">{num(o.buffered)} receipts are held in memory until disk space frees up.</p>}
      </CardBody>
    </Card>
  );
}

const CLOUD_WORDS: Record<StatusView['cloud']['state'], { label: string; tone: Tone }> = {
  idle: { label: 'Up to date', tone: 'green' },
  sending: { label: 'Sending', tone: 'cyan' },
  rate_limited: { label: 'Rate limited', tone: 'amber' },
  backing_off: { label: 'Backing off', tone: 'amber' },
  breaker_open: { label: 'Offline', tone: 'red' },
  not_paired: { label: 'Not paired', tone: 'slate' },
  pairing_lost: { label: 'Pairing lost', tone: 'red' },
  killed: { label: 'Stopped by TaxPoynt', tone: 'red' },
  disabled: { label: 'Sending turned off', tone: 'amber' },
  stopped: { label: 'Stopped', tone: 'slate' },
};

function CloudCard({ status }: { status: StatusView }) {
  const c = status.cloud;
  const words = c.offline ? { label: 'Offline', tone: 'red' as Tone } : CLOUD_WORDS[c.state];
  return (
    <Card variant="platform" aria-labelledby="cloud-title">
      <CardHeader
        id="cloud-title"
        title="TaxPoynt cloud"
        icon={c.offline ? <CloudOff className="size-5 text-red-700" aria-hidden /> : <Cloud className="size-5 text-cyan-700" aria-hidden />}
        action={
          <Badge tone={words.tone}>
            <span data-testid="cloud-state">{words.label}</span>
          </Badge>
        }
      />
      <CardBody>
        {c.paired && c.business ? (
          <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm">
            <div>
              <dt className="text-xs text-slate-600">Merchant</dt>
              <dd className="font-semibold text-slate-900" data-testid="merchant-name">
                {c.business.name}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-600">TIN</dt>
              <dd className="font-mono text-slate-900">{c.business.tin}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-600">Last sync</dt>
              <dd className="text-slate-900">{c.lastSyncAt ? `${when(c.lastSyncAt)} (${ago(c.lastSyncAt)})` : 'Not yet'}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-600">Next try</dt>
              <dd className="text-slate-900">{c.nextRetryAt ? `${when(c.nextRetryAt)} (${ago(c.nextRetryAt)})` : '—'}</dd>
            </div>
          </dl>
        ) : (
          <p className="text-sm text-slate-700">
            This computer is not paired with a TaxPoynt account, so receipts wait here.{' '}
            <a className="font-medium text-cyan-800 underline" href="#/pairing">
              Pair now
            </a>
          </p>
        )}
        {c.lastError && (c.offline || c.rateLimited || c.state === 'backing_off') && <p className="mt-2 text-sm text-slate-700">Last problem: {c.lastError}</p>}
      </CardBody>
    </Card>
  );
}

const DEVICE_TONE: Record<DeviceStatusView['status'], Tone> = {
  connected: 'green',
  listening: 'green',
  starting: 'slate',
  detecting_baud: 'cyan',
  reconnecting: 'amber',
  disconnected: 'red',
  error: 'red',
  stopped: 'slate',
};

export function DeviceCard({ device: d }: { device: DeviceStatusView }) {
  return (
    <Card variant="platform" aria-label={`Device ${d.id}`} data-testid={`device-card-${d.id}`}>
      <CardHeader
        title={<span className="truncate">{d.id}</span>}
        icon={<Cpu className="size-5 text-cyan-700" aria-hidden />}
        action={<Badge tone={DEVICE_TONE[d.status]}>{d.status.replace('_', ' ')}</Badge>}
      />
      <CardBody className="text-sm">
        <p className="text-slate-600">{KIND_LABEL[d.kind]}{d.baud?.rate ? ` · ${d.baud.rate} baud${d.baud.source === 'auto' ? ' (detected)' : ''}` : ''}{d.endpoint ? ` · ${d.endpoint}` : ''}</p>
        <dl className="mt-2 grid grid-cols-2 gap-2">
          <div>
            <dt className="text-xs text-slate-600">Receipts today</dt>
            <dd className="text-xl font-semibold tabular-nums">{num(d.receiptsToday)}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-600">Last receipt</dt>
            <dd className="text-slate-900">{d.lastReceiptAt ? ago(d.lastReceiptAt) : 'None yet'}</dd>
          </div>
          {d.passThrough && (
            <div className="col-span-2">
              <dt className="text-xs text-slate-600">Real printer (pass-through)</dt>
              <dd className={d.passThrough === 'absent' ? 'font-medium text-red-700' : 'text-slate-900'}>
                {d.passThrough === 'connected' ? 'Printing normally' : d.passThrough === 'absent' ? 'Not reachable: the till cannot print' : 'None configured'}
                {d.queuedBytes ? ` · ${num(d.queuedBytes)} bytes waiting` : ''}
              </dd>
            </div>
          )}
        </dl>
        {(d.error || d.silentSince || !d.connected) && <p className="mt-2 flex items-start gap-1 text-slate-700"><Receipt className="mt-0.5 size-4 shrink-0" aria-hidden />{d.error?.message ?? d.detail}</p>}
      </CardBody>
    </Card>
  );
}
