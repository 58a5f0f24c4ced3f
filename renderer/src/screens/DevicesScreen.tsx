// Devices: what is set up and how it is doing, detected ports and HID devices, an add flow per kind (auto baud, test), and a live preview of the last receipt.
import { useCallback, useEffect, useState } from 'react';
import { Cable, Gauge, Pencil, Plus, Printer, RefreshCw, Search, Trash2, Usb, Zap } from 'lucide-react';
import type { DeviceEntry, DeviceKind, DeviceSettings, Output, ReceiptDetail } from '../../../preload/api';
import { call, subscribe, useRequest, type RequestError } from '../bridge';
import { Badge, Button, Card, CardBody, CardHeader, Dialog, Empty, ErrorState, Field, Input, Loading, Select, Table, useToast } from '../components/ui';
import { PaperOf, ReceiptHeader, TransactionView, Validation } from '../components/receipt-view';
import { KIND_LABEL, ago, num } from '../format';

type Detected = Output<'devices.detect'>;
type Queues = Output<'devices.queues'>;

export function DevicesScreen() {
  const list = useRequest('devices.list', {});
  const [detected, setDetected] = useState<Detected>();
  const [queues, setQueues] = useState<Queues>();
  const [taking, setTaking] = useState<string | null>(null);
  const [detecting, setDetecting] = useState(false);
  const [editing, setEditing] = useState<{ initial: Partial<DeviceSettings> & { kind: DeviceKind }; existing?: string } | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const toast = useToast();
  const fail = useCallback((e: unknown) => toast('error', (e as RequestError).message), [toast]);

  const detect = useCallback(async () => {
    setDetecting(true);
    try {
      const [found, printQueues] = await Promise.all([call('devices.detect', {}), call('devices.queues', {})]);
      setDetected(found);
      setQueues(printQueues);
    } catch (e) {
      fail(e);
    } finally {
      setDetecting(false);
    }
  }, [fail]);
  useEffect(() => {
    void detect();
  }, [detect]);
  useEffect(() => subscribe('device', () => list.reload()), [list.reload]);
  useEffect(() => {
    const devices = list.data?.devices ?? [];
    if (!selected && devices[0]) setSelected(devices[0].settings.id);
  }, [list.data, selected]);

  /** "Take over": the bridge stands in front of the queue the POS prints to; the engine saves its settings first. */
  const takeOver = async (queue: string) => {
    setTaking(queue);
    try {
      const r = await call('devices.takeover', { queue });
      toast('success', `${queue} now prints through the bridge (device ${r.device.id}); jobs pass ${r.passThrough}.`);
      // Without a watchdog the queue waits for the bridge when it is down: say so, with what to do.
      if (!r.watchdog.ok) toast('warning', r.watchdog.message);
      setSelected(r.device.id);
      list.reload();
      setQueues(await call('devices.queues', {}));
    } catch (e) {
      fail(e);
    } finally {
      setTaking(null);
    }
  };

  const remove = async (id: string) => {
    try {
      await call('devices.remove', { id });
      toast('success', `${id} removed. Receipts it captured are kept.`);
      setRemoving(null);
      if (selected === id) setSelected(null);
      list.reload();
    } catch (e) {
      fail(e);
    }
  };

  if (list.error && !list.data) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading what="devices" />;
  const devices = list.data.devices;

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => setEditing({ initial: { kind: 'serial_tap', id: nextId(devices, 'till') } })}>
          <Plus className="size-4" aria-hidden /> Add device
        </Button>
        <Button variant="outline" onClick={() => void detect()} busy={detecting}>
          <Search className="size-4" aria-hidden /> Look for devices
        </Button>
      </div>

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_minmax(0,1.6fr)]">
        <div className="flex min-w-0 flex-col gap-4">
          <Card variant="platform" aria-labelledby="configured-title">
            <CardHeader id="configured-title" title="Set up on this computer" icon={<Printer className="size-5 text-cyan-700" aria-hidden />} />
            <CardBody>
              {devices.length === 0 ? (
                <Empty title="No devices yet">Add the till's receipt printer (a serial tap or a virtual printer) or a card terminal. Devices found on this computer are listed below.</Empty>
              ) : (
                <ul className="flex flex-col gap-2">
                  {devices.map((d) => (
                    <ConfiguredDevice
                      key={d.settings.id}
                      entry={d}
                      selected={selected === d.settings.id}
                      onSelect={() => setSelected(d.settings.id)}
                      onEdit={() => setEditing({ initial: d.settings as DeviceSettings, existing: d.settings.id })}
                      onRemove={() => setRemoving(d.settings.id)}
                    />
                  ))}
                </ul>
              )}
            </CardBody>
          </Card>
          <DetectedCard
            detected={detected}
            detecting={detecting}
            onAdd={(initial) => setEditing({ initial: { ...initial, id: nextId(devices, initial.kind === 'hid' ? 'scanner' : 'till') } })}
          />
          <PrintQueuesCard queues={queues} taking={taking} onTakeOver={(q) => void takeOver(q)} />
        </div>
        {selected ? <Preview deviceId={selected} /> : null}
      </div>

      {editing && (
        <DeviceDialog
          initial={editing.initial}
          existing={editing.existing}
          detected={detected}
          onClose={() => setEditing(null)}
          onSaved={(id) => {
            setEditing(null);
            setSelected(id);
            list.reload();
          }}
        />
      )}
      <Dialog
        open={removing !== null}
        title={`Remove ${removing ?? ''}?`}
        description={
          queues?.queues.some((q) => q.takenOverBy === removing)
            ? 'The print queue goes back to its printer exactly as it was, and the bridge stops capturing it. Receipts it already captured stay in the outbox and are still sent.'
            : 'The bridge stops reading this device. Receipts it already captured stay in the outbox and are still sent.'
        }
        onClose={() => setRemoving(null)}
        footer={
          <>
            <Button variant="outline" onClick={() => setRemoving(null)}>
              Keep it
            </Button>
            <Button variant="danger" onClick={() => removing && void remove(removing)}>
              Remove
            </Button>
          </>
        }
      />
    </div>
  );
}

function nextId(devices: DeviceEntry[], base: string): string {
  const ids = new Set(devices.map((d) => d.settings.id));
  for (let i = 1; ; i++) if (!ids.has(`${base}-${i}`)) return `${base}-${i}`;
}

function ConfiguredDevice({ entry, selected, onSelect, onEdit, onRemove }: { entry: DeviceEntry; selected: boolean; onSelect: () => void; onEdit: () => void; onRemove: () => void }) {
  const s = entry.settings as DeviceSettings & { path?: string; listen?: { tcp?: string }; baud_rate?: number | 'auto' };
  const st = entry.state;
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<Output<'devices.test'> | null>(null);
  const toast = useToast();
  const test = async () => {
    setTesting(true);
    try {
      setResult(await call('devices.test', { id: s.id, timeoutMs: 3000 }));
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setTesting(false);
    }
  };
  return (
    <li className={`rounded-md border p-3 ${selected ? 'border-cyan-500 bg-cyan-50/50' : 'border-slate-200'}`} data-testid={`device-${s.id}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <button type="button" onClick={onSelect} aria-pressed={selected} className="min-w-0 text-left">
          <span className="block font-semibold text-slate-900">{s.id}</span>
          <span className="block truncate text-sm text-slate-600">
            {KIND_LABEL[s.kind]} · {s.path ?? s.listen?.tcp ?? ''}
            {st?.baud?.rate ? ` · ${st.baud.rate} baud` : s.baud_rate ? ` · ${s.baud_rate} baud` : ''}
          </span>
        </button>
        <div className="flex items-center gap-1">
          {st && <Badge tone={st.connected ? 'green' : st.status === 'error' || st.status === 'disconnected' ? 'red' : 'slate'}>{st.status.replace('_', ' ')}</Badge>}
          <Button variant="ghost" size="sm" onClick={() => void test()} busy={testing} aria-label={`Test ${s.id}`}>
            <Zap className="size-4" aria-hidden /> Test
          </Button>
          <Button variant="ghost" size="sm" onClick={onEdit} aria-label={`Edit ${s.id}`}>
            <Pencil className="size-4" aria-hidden />
          </Button>
          <Button variant="ghost" size="sm" onClick={onRemove} aria-label={`Remove ${s.id}`}>
            <Trash2 className="size-4" aria-hidden />
          </Button>
        </div>
      </div>
      {st && <p className="mt-1 text-sm text-slate-700">{st.detail}{st.lastReceiptAt ? ` · last receipt ${ago(st.lastReceiptAt)}` : ''} · {num(st.receiptsToday)} today</p>}
      {result && (
        <p role="status" className={`mt-1 text-sm ${result.ok ? 'text-emerald-800' : 'text-red-700'}`}>
          {result.ok ? 'Test passed: ' : 'Test failed: '}
          {result.detail}
        </p>
      )}
    </li>
  );
}

function DetectedCard({ detected, detecting, onAdd }: { detected: Detected | undefined; detecting: boolean; onAdd: (initial: Partial<DeviceSettings> & { kind: DeviceKind }) => void }) {
  return (
    <Card variant="platform" aria-labelledby="detected-title">
      <CardHeader id="detected-title" title="Found on this computer" icon={<Usb className="size-5 text-cyan-700" aria-hidden />} />
      <CardBody>
        {!detected ? (
          detecting ? <Loading what="ports and USB devices" /> : <p className="text-sm text-slate-600">Press "Look for devices".</p>
        ) : detected.serial.length + detected.hid.length === 0 ? (
          <Empty icon={<Cable className="size-7 text-slate-500" aria-hidden />} title="Nothing found">
            Plug in the serial cable or USB adapter, then look again. A virtual printer needs no hardware.
          </Empty>
        ) : (
          <Table
            caption="Serial ports and HID devices found"
            head={['Port / device', 'Maker', 'In use by', '']}
            rows={[
              ...detected.serial.map((p) => [
                <span className="font-mono text-xs">{p.path}</span>,
                p.name ?? p.manufacturer ?? '—',
                p.usedBy ?? '—',
                p.usedBy ? null : (
                  <Button size="sm" variant="outline" onClick={() => onAdd({ kind: 'serial_tap', path: p.path, baud_rate: 'auto' })} aria-label={`Add ${p.path} as a serial tap`}>
                    Add
                  </Button>
                ),
              ]),
              ...detected.hid.map((h) => [
                <span className="font-mono text-xs">
                  {h.vendorId}:{h.productId}
                </span>,
                [h.manufacturer, h.product].filter(Boolean).join(' ') || '—',
                h.usedBy ?? '—',
                h.usedBy ? null : (
                  <Button size="sm" variant="outline" onClick={() => onAdd({ kind: 'hid', vendor_id: h.vendorId, product_id: h.productId, report: 'keyboard' })} aria-label={`Add HID ${h.vendorId}:${h.productId}`}>
                    Add
                  </Button>
                ),
              ]),
            ]}
          />
        )}
        {detected && detected.problems.length > 0 && <p className="mt-2 text-sm text-amber-800">{detected.problems.join(' ')}</p>}
      </CardBody>
    </Card>
  );
}

/** The OS print queues (CUPS, the Windows spooler): a USB receipt printer behind one is captured by taking the queue over. */
function PrintQueuesCard({ queues, taking, onTakeOver }: { queues: Queues | undefined; taking: string | null; onTakeOver: (queue: string) => void }) {
  if (!queues) return null;
  const shown = queues.queues.filter((q) => !q.bridgeDirect);
  return (
    <Card variant="platform" aria-labelledby="queues-title">
      <CardHeader id="queues-title" title="Print queues" icon={<Printer className="size-5 text-cyan-700" aria-hidden />} />
      <CardBody>
        {shown.length === 0 ? (
          <p className="text-sm text-slate-600">{queues.problem ?? 'No print queues on this computer.'}</p>
        ) : (
          <Table
            caption="Print queues of this computer"
            head={['Queue', 'Driver', 'Bridge', '']}
            rows={shown.map((q) => [
              <span className="font-medium">
                {q.name} {q.receiptPrinter ? <Badge tone="cyan">receipt printer</Badge> : null}
              </span>,
              <span className="text-xs">{q.driver ?? 'raw'}</span>,
              q.takenOverBy ?? '—',
              q.takenOverBy ? null : (
                <Button size="sm" variant="outline" busy={taking === q.name} disabled={taking !== null} onClick={() => onTakeOver(q.name)} aria-label={`Take over ${q.name}`}>
                  Take over
                </Button>
              ),
            ])}
          />
        )}
        <p className="mt-2 text-xs text-slate-600">Taking over keeps the queue's name: the POS prints as before, the bridge captures each job and passes it to the printer unchanged. Removing the device gives the queue back. On Windows, taking over and giving back each ask once for administrator rights.</p>
      </CardBody>
    </Card>
  );
}

type Form = Record<string, string>;
function toForm(s: Partial<DeviceSettings> & { kind: DeviceKind }): Form {
  const d = s as Record<string, unknown>;
  const listen = d.listen as { tcp?: string } | undefined;
  const printer = d.printer as { tcp?: string; serial?: { path?: string } } | null | undefined;
  return {
    id: String(d.id ?? ''),
    kind: s.kind,
    path: String(d.path ?? ''),
    baud_rate: String(d.baud_rate ?? (s.kind === 'serial_tap' ? 'auto' : '9600')),
    listen: listen?.tcp ?? '127.0.0.1:9100',
    printer: printer?.tcp ?? printer?.serial?.path ?? '',
    vendor_id: String(d.vendor_id ?? ''),
    product_id: String(d.product_id ?? ''),
    report: String(d.report ?? 'keyboard'),
    framing: String(d.framing ?? 'stx_etx_lrc'),
    amount_unit: String(d.amount_unit ?? 'naira'),
    profile: String(d.profile ?? 'generic@1'),
    codepage: String(d.codepage ?? 'CP437'),
  };
}
function fromForm(f: Form, base: Record<string, unknown>): DeviceSettings {
  const kind = f.kind as DeviceKind;
  const baud = f.baud_rate === 'auto' ? 'auto' : Number(f.baud_rate);
  const keep = { ...base };
  for (const k of ['path', 'baud_rate', 'listen', 'printer', 'vendor_id', 'product_id', 'report', 'framing', 'amount_unit', 'profile', 'codepage']) delete keep[k];
  const common = { ...keep, id: f.id!, kind };
  switch (kind) {
    case 'serial_tap':
      return { ...common, path: f.path, baud_rate: baud, profile: f.profile, codepage: f.codepage };
    case 'virtual_printer':
      return { ...common, listen: { tcp: f.listen }, printer: f.printer ? (f.printer.includes(':') ? { tcp: f.printer } : { serial: { path: f.printer } }) : null, profile: f.profile, codepage: f.codepage };
    case 'hid':
      return { ...common, vendor_id: f.vendor_id, product_id: f.product_id, report: f.report, profile: f.profile, codepage: f.codepage };
    case 'ecr_serial':
      return { ...common, path: f.path, baud_rate: baud === 'auto' ? 9600 : baud, framing: f.framing, amount_unit: f.amount_unit };
  }
}

function DeviceDialog({ initial, existing, detected, onClose, onSaved }: { initial: Partial<DeviceSettings> & { kind: DeviceKind }; existing?: string; detected: Detected | undefined; onClose: () => void; onSaved: (id: string) => void }) {
  const [form, setForm] = useState<Form>(() => toForm(initial));
  const [error, setError] = useState<RequestError | null>(null);
  const [saving, setSaving] = useState(false);
  const [baud, setBaud] = useState<{ busy: boolean; result?: Output<'devices.autoBaud'>; error?: string }>({ busy: false });
  const toast = useToast();
  const set = (k: string) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const fieldError = (k: string) => (error && error.field && (error.field === k || error.field.endsWith(`.${k}`) || error.field.startsWith(`${k}.`)) ? error.message : null);
  const kind = form.kind as DeviceKind;

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const device = fromForm(form, existing ? (initial as Record<string, unknown>) : {});
      const r = existing ? await call('devices.update', { id: existing, device }) : await call('devices.add', { device });
      toast('success', `${r.device.id} saved. The bridge is reading it now.`);
      onSaved(r.device.id);
    } catch (e) {
      setError(e as RequestError);
    } finally {
      setSaving(false);
    }
  };
  const autoBaud = async () => {
    setBaud({ busy: true });
    try {
      const result = await call('devices.autoBaud', { path: form.path!, sampleMs: 1500 });
      setBaud({ busy: false, result });
      if (result.baud) setForm((f) => ({ ...f, baud_rate: String(result.baud) }));
    } catch (e) {
      setBaud({ busy: false, error: (e as RequestError).message });
    }
  };
  const ports = detected?.serial.map((p) => p.path) ?? [];
  const serialKinds = kind === 'serial_tap' || kind === 'ecr_serial';

  return (
    <Dialog
      open
      title={existing ? `Edit ${existing}` : 'Add a device'}
      description="Choose how the bridge reads this till's receipts."
      onClose={onClose}
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void save()} busy={saving}>
            Save device
          </Button>
        </>
      }
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {error && !error.field && (
          <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">
            {error.message}
          </p>
        )}
        <Field label="Kind">
          {(p) => (
            <Select {...p} value={form.kind} onChange={set('kind')} disabled={Boolean(existing)}>
              {(Object.keys(KIND_LABEL) as DeviceKind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABEL[k]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Name" hint="Letters, digits, '-', '_' or '.'; shown on receipts as the device." error={fieldError('id')}>
          {(p) => <Input {...p} value={form.id} onChange={set('id')} disabled={Boolean(existing)} />}
        </Field>
        {serialKinds && (
          <>
            <Field label="Serial port" hint={ports.length ? `Found: ${ports.join(', ')}` : 'For example /dev/ttyUSB0 or COM3.'} error={fieldError('path')}>
              {(p) => <Input {...p} value={form.path} onChange={set('path')} list="found-ports" />}
            </Field>
            <datalist id="found-ports">
              {ports.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
            <div className="flex items-end gap-2">
              <div className="flex-1">
                <Field label="Baud rate" error={fieldError('baud_rate')}>
                  {(p) => (
                    <Select {...p} value={form.baud_rate} onChange={set('baud_rate')}>
                      {kind === 'serial_tap' && <option value="auto">Detect automatically</option>}
                      {['2400', '4800', '9600', '19200', '38400', '57600', '115200'].map((b) => (
                        <option key={b} value={b}>
                          {b}
                        </option>
                      ))}
                    </Select>
                  )}
                </Field>
              </div>
              <Button variant="outline" onClick={() => void autoBaud()} busy={baud.busy} disabled={!form.path}>
                <Gauge className="size-4" aria-hidden /> Detect now
              </Button>
            </div>
            {(baud.busy || baud.result || baud.error) && (
              <p role="status" className="text-sm text-slate-700" data-testid="autobaud-result">
                {baud.busy ? 'Listening… print something on the till now.' : baud.error ? baud.error : baud.result?.baud ? `Found ${baud.result.baud} baud. ${baud.result.reason}` : `Not found yet: ${baud.result?.reason}`}
              </p>
            )}
          </>
        )}
        {kind === 'virtual_printer' && (
          <>
            <Field label="Listen for the POS on" hint="Point the POS's printer at this address (host:port)." error={fieldError('listen')}>
              {(p) => <Input {...p} value={form.listen} onChange={set('listen')} />}
            </Field>
            <Field label="Pass through to the real printer" hint="host:port of a network printer or a serial port; empty for none." error={fieldError('printer')}>
              {(p) => <Input {...p} value={form.printer} onChange={set('printer')} />}
            </Field>
          </>
        )}
        {kind === 'hid' && (
          <div className="grid grid-cols-3 gap-2">
            <Field label="Vendor id" error={fieldError('vendor_id')}>
              {(p) => <Input {...p} value={form.vendor_id} onChange={set('vendor_id')} />}
            </Field>
            <Field label="Product id" error={fieldError('product_id')}>
              {(p) => <Input {...p} value={form.product_id} onChange={set('product_id')} />}
            </Field>
            <Field label="Reports" error={fieldError('report')}>
              {(p) => (
                <Select {...p} value={form.report} onChange={set('report')}>
                  <option value="keyboard">Keyboard</option>
                  <option value="length_prefixed">Length prefixed</option>
                  <option value="raw">Raw</option>
                </Select>
              )}
            </Field>
          </div>
        )}
        {kind === 'ecr_serial' && (
          <div className="grid grid-cols-2 gap-2">
            <Field label="Framing">
              {(p) => (
                <Select {...p} value={form.framing} onChange={set('framing')}>
                  <option value="stx_etx_lrc">STX…ETX with LRC</option>
                  <option value="lines">One message per line</option>
                </Select>
              )}
            </Field>
            <Field label="Amounts are in">
              {(p) => (
                <Select {...p} value={form.amount_unit} onChange={set('amount_unit')}>
                  <option value="naira">Naira (1500.00)</option>
                  <option value="kobo">Kobo (150000)</option>
                </Select>
              )}
            </Field>
          </div>
        )}
        {kind !== 'ecr_serial' && (
          <div className="grid grid-cols-2 gap-2">
            <Field label="Receipt profile" error={fieldError('profile')}>
              {(p) => <Input {...p} value={form.profile} onChange={set('profile')} />}
            </Field>
            <Field label="Code page" error={fieldError('codepage')}>
              {(p) => <Input {...p} value={form.codepage} onChange={set('codepage')} />}
            </Field>
          </div>
        )}
        {error?.field && !['id', 'path', 'baud_rate', 'listen', 'printer', 'vendor_id', 'product_id', 'report', 'profile', 'codepage'].some((k) => fieldError(k)) && (
          <p role="alert" className="text-sm text-red-700">
            {error.field}: {error.message}
          </p>
        )}
        <button type="submit" className="hidden" tabIndex={-1} aria-hidden>
          Save
        </button>
      </form>
    </Dialog>
  );
}

function Preview({ deviceId }: { deviceId: string }) {
  const [receipt, setReceipt] = useState<ReceiptDetail | null | undefined>(undefined);
  const [error, setError] = useState<RequestError>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    call('devices.preview', { deviceId }).then(
      (r) => live && (setReceipt(r.receipt), setError(undefined)),
      (e: RequestError) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [deviceId, tick]);
  useEffect(
    () =>
      subscribe('receipt', (e) => {
        if (e.deviceId === deviceId || e.deviceId.startsWith(`${deviceId}#`)) setTick((t) => t + 1);
      }),
    [deviceId],
  );
  return (
    <Card variant="platform" aria-labelledby="preview-title" data-testid="live-preview">
      <CardHeader
        id="preview-title"
        title={`Live preview: ${deviceId}`}
        icon={<Printer className="size-5 text-cyan-700" aria-hidden />}
        action={
          <Button variant="ghost" size="sm" onClick={() => setTick((t) => t + 1)} aria-label="Refresh preview">
            <RefreshCw className="size-4" aria-hidden />
          </Button>
        }
      />
      <CardBody>
        {error ? (
          <ErrorState error={error} onRetry={() => setTick((t) => t + 1)} />
        ) : receipt === undefined ? (
          <Loading what="the last receipt" />
        ) : receipt === null ? (
          <Empty icon={<Printer className="size-8 text-slate-500" aria-hidden />} title="Waiting for the first receipt">
            Print a receipt on the till: it appears here as soon as the bridge captures it.
          </Empty>
        ) : (
          <div className="flex flex-col gap-3">
            <ReceiptHeader receipt={receipt} />
            <div className="grid grid-cols-1 gap-4 lg:grid-cols-[auto_minmax(14rem,1fr)]">
              <div className="overflow-x-auto rounded-md bg-slate-100 p-3" tabIndex={0} role="region" aria-label="The receipt as printed">
                <PaperOf receipt={receipt} />
              </div>
              <div className="flex min-w-0 flex-col gap-3">
                <Validation receipt={receipt} />
                <TransactionView receipt={receipt} />
              </div>
            </div>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
