// The one dispatcher behind preload/api.ts: validates every request and answer, serves IPC, the engine child, the CLI and tests alike.
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SerialPort } from 'serialport';
import type { z } from 'zod';
import {
  BridgeApiError,
  CHANNELS,
  EVENTS,
  REQUESTS,
  type AlertView,
  type Channel,
  type DeviceSettings,
  type EngineView,
  type EventName,
  type EventPayload,
  type Output,
  type PairingView,
  type ProfileIssue,
  type Settings,
  type StatusView,
  type UpdateView,
} from '../../preload/api.js';
import {
  CANDIDATE_BAUDS,
  DeviceConfig,
  chooseBaud,
  createSource,
  listHidDevices,
  listSerialPorts,
  scoreEscpos,
  type DeviceState,
  type SerialPortInfo,
} from '../capture/index.js';
import { pairDevice, PairingFailed, readAgent, unpair, type AgentInfo, type Clock } from '../cloud/index.js';
import { listProfiles, loadProfile, ProfileError, resolveProfileName } from '../receipts/index.js';
import { redactText } from '../telemetry/redact.js';
import { diagnosticsBundle } from '../telemetry/diagnostics.js';
import { KeychainVault, type Vault } from '../vault/index.js';
import type { Bridge, BridgeStatus, ReceiptEvent } from './bridge.js';
import { listProblems, parseConfig, readRawConfig, setConfigValue, writeConfigFile, ConfigError } from './config.js';
import { runDoctor } from './doctor.js';
import { parseJob, reprocess } from './pipeline.js';
import { AlertGate, type AlertPolicy } from './alerts.js';
import { platformAutostart, type Autostart } from './autostart.js';
import { ReceiptsView, deviceView, qrMatrix, statusView } from './receipts-view.js';
import { listQueues, readTakeovers, release, SpoolerError, takeover } from '../capture/spooler/index.js';
import { installWatchdogService, removeWatchdogService, watchdogServiceFor } from './watchdog-service.js';

type HandlerInput<C extends Channel> = z.output<(typeof REQUESTS)[C]['input']>;
type Handlers = { [C in Channel]: (input: HandlerInput<C>) => Promise<Output<C>> | Output<C> };

export interface DispatcherOptions {
  vault?: Vault;
  now?: () => Date;
  /** Default: the platform's (XDG file on Linux, a preference file the shell applies elsewhere). */
  autostart?: Autostart;
  /** How often the status is recomputed and sent when it changed (ms). */
  statusIntervalMs?: number;
  /** Where saved receipt profiles live (default `<dataDir>/profiles`). */
  profilesDir?: string;
  pairing?: { clock?: Clock; deviceName?: string };
  alertPolicy?: AlertPolicy;
  env?: NodeJS.ProcessEnv;
  /** The serial ports the OS lists (default: serialport's enumeration); `devices.autoBaud` opens no other path. */
  serialPorts?: () => Promise<SerialPortInfo[]>;
}

export interface Dispatcher {
  readonly channels: readonly Channel[];
  invoke(channel: string, input: unknown): Promise<unknown>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Resolves once the persisted app state (a paused capture) is applied. */
  readonly ready: Promise<void>;
  close(): void;
}

const IDLE_PAIRING: PairingView = { state: 'idle', userCode: null, verificationUri: null, verificationUriComplete: null, qr: null, expiresAt: null, business: null, message: null };
const RUNNING: EngineView = { state: 'running', recentCrashes: 0, restarts: 0, nextRestartAt: null, message: null };
const NAME_AT_VERSION = /^[a-z0-9][a-z0-9-]*@\d+$/;

/** USB ids of common receipt printers and USB-serial adapters, for a name a merchant recognises. */
const USB_NAMES: Record<string, string> = {
  '067b:2303': 'Prolific PL2303 USB-serial',
  '0403:6001': 'FTDI FT232R USB-serial',
  '0403:6015': 'FTDI FT231X USB-serial',
  '1a86:7523': 'QinHeng CH340 USB-serial',
  '10c4:ea60': 'Silicon Labs CP210x USB-serial',
  '04b8': 'Epson',
  '0519': 'Star Micronics',
  '0fe6': 'Xprinter / ICS Advent',
  '0416': 'Winbond (POS printer)',
  '1504': 'Bixolon',
  '0dd4': 'Custom',
};
function usbName(vendorId?: string | null, productId?: string | null): string | null {
  if (!vendorId) return null;
  const v = vendorId.toLowerCase().replace(/^0x/, '').padStart(4, '0');
  const p = (productId ?? '').toLowerCase().replace(/^0x/, '').padStart(4, '0');
  return USB_NAMES[`${v}:${p}`] ?? USB_NAMES[v] ?? null;
}

const fieldOf = (path: PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');

/** Every string in an answer or event goes through redaction: registered secrets, token shapes and card numbers cannot leave. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 12) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

function toApiError(err: unknown): BridgeApiError {
  if (err instanceof BridgeApiError) return err;
  if (err instanceof ConfigError) {
    const first = err.problems[0];
    return new BridgeApiError('config_invalid', redactText(listProblems(err.problems).join('; ')), first?.path ?? null);
  }
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'internal';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return new BridgeApiError(code, redactText(message.split('\n')[0]!.slice(0, 500)));
}

/** What the last update check found, in a sentence a merchant can act on. */
function checkResult(u: NonNullable<BridgeStatus['update']>): string | null {
  const c = u.last_check;
  if (!c) return null;
  switch (c.reason) {
    case 'up_to_date':
      return `Up to date: ${c.current} is the latest version on the ${c.channel} channel.`;
    case 'newer':
      return `Version ${c.latest} is available.`;
    case 'staged_out':
      return `Version ${c.latest} is being rolled out gradually; this bridge gets it in a later stage.`;
    case 'pinned':
      return `TaxPoynt holds this bridge at version ${c.pin ?? c.current}${c.latest ? ` (the channel offers ${c.latest})` : ''}.`;
    case 'downgrade_to_pin':
      return `TaxPoynt rolls this bridge back to version ${c.latest}.`;
    case 'feed_error':
      return `The update check failed: ${c.error?.message ?? 'the update server did not answer'}`;
  }
}

/** The update loop's status without the feed URL or anything secret. */
export function updateView(u: BridgeStatus['update']): UpdateView | null {
  if (!u) return null;
  return {
    current: u.current,
    channel: u.channel,
    state: u.state,
    availableVersion: u.available_version,
    downloadedVersion: u.downloaded_version,
    lastCheckAt: u.last_check_at,
    lastCheckResult: checkResult(u),
    nextCheckAt: u.next_check_at,
    lastError: u.last_error,
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createDispatcher(bridge: Bridge, options: DispatcherOptions = {}): Dispatcher {
  const now = options.now ?? (() => new Date());
  const vault = options.vault ?? bridge.options.vault ?? new KeychainVault();
  const env = options.env ?? bridge.options.env ?? process.env;
  const dataDir = bridge.options.dataDir;
  const configFile = bridge.options.configFile;
  const userProfiles = options.profilesDir ?? join(dataDir, 'profiles');
  const appStateFile = join(dataDir, 'app-state.json');
  const autostart = options.autostart ?? platformAutostart({ exec: [process.execPath], dataDir, env });
  const view = new ReceiptsView(bridge.store, now);
  const gate = new AlertGate(() => now().getTime(), options.alertPolicy);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);

  let pairing: PairingView = IDLE_PAIRING;
  let pairingAbort: AbortController | null = null;
  let agent: AgentInfo | null = null;
  let lastStatusKey = '';
  let closed = false;
  const alerts = new Map<string, AlertView>();

  const refreshAgent = async () => {
    agent = await readAgent(vault).catch(() => null);
  };

  function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (closed) return;
    const checked = EVENTS[event].safeParse(scrub(payload));
    if (!checked.success) {
      bridge.log.error('an event did not match the API contract; not sent', { event, field: fieldOf(checked.error.issues[0]!.path), problem: checked.error.issues[0]!.message });
      return;
    }
    emitter.emit(event, checked.data);
  }

  // ---------------------------------------------------------------- alerts

  function currentAlerts(): AlertView[] {
    const b = bridge.status();
    const at = now().toISOString();
    const found: Array<Omit<AlertView, 'notify'>> = [];
    for (const a of b.alerts) found.push({ code: a.code, severity: a.severity, message: a.message, at: a.raisedAt, subject: null });
    for (const a of b.cloud.alerts) {
      const severe = a.code === 'pairing_lost' || a.code === 'agent_disabled' || a.code === 'keychain' || a.code === 'rejected';
      found.push({ code: a.code, severity: severe ? 'error' : 'warning', message: a.message, at: a.at, subject: null });
    }
    for (const d of b.devices) {
      if (d.status === 'error' || d.status === 'disconnected') {
        found.push({ code: `device_${d.status}`, severity: d.status === 'error' ? 'error' : 'warning', message: `${d.deviceId}: ${d.detail}`, at: d.lastDataAt ?? at, subject: d.deviceId });
      }
      if (d.silentSince) found.push({ code: 'device_silent', severity: 'warning', message: `${d.deviceId} has sent no receipt since ${d.silentSince}: check the till and the cable.`, at: d.silentSince, subject: d.deviceId });
    }
    // A downloaded version is announced once (the gate keys it by version) and stays listed until it is installed or dropped.
    const ready = b.update?.downloaded_version ?? null;
    if (ready) found.push({ code: 'update_downloaded', severity: 'warning', message: `Version ${ready} is ready: restart to update.`, at: b.update?.last_check_at ?? at, subject: ready });
    const keys = new Set<string>();
    const out: AlertView[] = [];
    for (const a of found) {
      const key = `${a.code}\0${a.subject ?? ''}`;
      keys.add(key);
      let known = alerts.get(key);
      if (!known) {
        known = { ...a, notify: gate.admit(a) };
        alerts.set(key, known);
        emit('alert', known);
      }
      out.push(known);
    }
    for (const key of [...alerts.keys()]) if (!keys.has(key)) alerts.delete(key);
    gate.reconcile(found);
    return out;
  }

  // ---------------------------------------------------------------- status

  function status(): StatusView {
    const b = bridge.status();
    const update = updateView(b.update);
    return { ...statusView({ bridge: b, today: view.today(), alerts: currentAlerts(), pairing, engine: RUNNING, agent }), ...(update ? { update } : {}) };
  }

  function publishStatus(force = false): void {
    if (closed) return;
    let s: StatusView;
    try {
      s = status();
    } catch (err) {
      bridge.log.warn('status could not be computed', { error: err });
      return;
    }
    const key = JSON.stringify({ ...s, updatedAt: '' });
    if (!force && key === lastStatusKey) return;
    lastStatusKey = key;
    emit('status', s);
  }

  let statusQueued = false;
  const soonStatus = () => {
    if (statusQueued) return;
    statusQueued = true;
    setTimeout(() => {
      statusQueued = false;
      publishStatus();
    }, 100).unref();
  };
  const ticker = setInterval(() => publishStatus(), options.statusIntervalMs ?? 1000);
  ticker.unref();

  const onReceipt = (e: ReceiptEvent) => {
    view.invalidate();
    emit('receipt', { id: e.id, deviceId: e.deviceId, state: e.state, duplicate: e.duplicate ?? false, irn: e.irn ?? null, problems: e.problems ?? [], at: e.at });
    soonStatus();
  };
  const onDevice = (d: DeviceState) => {
    emit('device', deviceView(d, view.today()));
    soonStatus();
  };
  const onAlert = (a: { code: string; severity: 'warning' | 'error'; message: string; raisedAt: string }) => {
    const subject = null;
    emit('alert', { code: a.code, severity: a.severity, message: a.message, at: a.raisedAt, subject, notify: gate.admit({ code: a.code, severity: a.severity, subject }) });
    gate.clear({ code: a.code, subject });
  };
  bridge.on('receipt', onReceipt);
  bridge.on('device', onDevice);
  bridge.on('alert', onAlert);

  // ---------------------------------------------------------------- helpers

  function setPairing(next: Partial<PairingView>): PairingView {
    pairing = { ...pairing, ...next };
    emit('pairing', pairing);
    soonStatus();
    return pairing;
  }

  function readAppState(): { capturePaused?: boolean } {
    try {
      return JSON.parse(readFileSync(appStateFile, 'utf8')) as { capturePaused?: boolean };
    } catch {
      return {};
    }
  }

  async function setPaused(paused: boolean): Promise<boolean> {
    await bridge.setPaused(paused);
    writeFileSync(appStateFile, JSON.stringify({ ...readAppState(), capturePaused: paused }) + '\n', { mode: 0o600 });
    soonStatus();
    return bridge.status().capturePaused;
  }

  /**
   * Validates device settings from the renderer with the config file's own schema. The profile is a
   * name (kept as it is when unchanged from `current`); what is written holds only the schema's keys.
   */
  function deviceConfig(device: DeviceSettings, field = 'device', current?: DeviceConfig): { config: DeviceConfig; raw: Record<string, unknown> } {
    const settings = { ...device } as Record<string, unknown>;
    const currentProfile = current && 'profile' in current ? current.profile : undefined;
    if (typeof settings.profile === 'string' && settings.profile !== currentProfile) {
      settings.profile = currentProfile !== undefined && settings.profile === profileName(currentProfile) ? currentProfile : profileRef(settings.profile, `${field}.profile`);
    }
    const parsed = DeviceConfig.safeParse(settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = fieldOf([field, ...issue.path]);
      throw new BridgeApiError('invalid_device', `${path}: ${issue.message}`, path);
    }
    const raw = Object.fromEntries(Object.entries(settings).filter(([k, v]) => k in parsed.data && v !== undefined));
    return { config: parsed.data, raw };
  }

  /** Writes the devices list (validating the whole file first) and restarts capture with it. */
  async function saveDevices(change: (devices: Array<Record<string, unknown>>) => Array<Record<string, unknown>>): Promise<void> {
    const raw = readRawConfig(configFile);
    const devices = change(Array.isArray(raw.devices) ? (raw.devices as Array<Record<string, unknown>>) : []);
    const next = { ...raw, devices };
    const config = parseConfig(JSON.stringify(next), `${configFile} (devices)`);
    writeConfigFile(configFile, next);
    bridge.config.devices = config.devices;
    await bridge.setPaused(bridge.status().capturePaused);
    soonStatus();
  }

  /** A device as the renderer sees it: a saved profile by its name, not the file the config refers to. */
  function settingsOf(d: DeviceConfig): DeviceSettings {
    return ('profile' in d ? { ...d, profile: profileName(d.profile) } : d) as unknown as DeviceSettings;
  }

  /**
   * The profile a request names, by name only: a built-in, or one saved in the profiles folder (referred
   * to by its file there). A path, or a name that is neither, is refused before anything is read.
   */
  function profileRef(name: string, field: string): string {
    try {
      return resolveProfileName(name, userProfiles);
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      const code = NAME_AT_VERSION.test(name) ? 'profile_not_found' : 'invalid_profile';
      throw new BridgeApiError(code, `${field}: ${err.reason}; list them with profiles.list.`, field);
    }
  }
  const profileName = (ref: string) => (ref.startsWith(userProfiles + sep) ? ref.slice(userProfiles.length + 1).replace(/\.json$/, '') : ref);

  /** Validates profile text; on success a temporary file holding it (the loader resolves `extends` from files). */
  function checkProfile(text: string): { issues: ProfileIssue[]; file: string | null } {
    try {
      JSON.parse(text);
    } catch (err) {
      return { issues: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }], file: null };
    }
    mkdirSync(userProfiles, { recursive: true, mode: 0o700 });
    const file = join(userProfiles, `.try-${randomBytes(6).toString('hex')}.json`);
    writeFileSync(file, text, { mode: 0o600 });
    try {
      loadProfile(file);
      return { issues: [], file };
    } catch (err) {
      rmSync(file, { force: true });
      if (err instanceof ProfileError) return { issues: [{ path: err.rule, message: err.reason }], file: null };
      return { issues: [{ path: '', message: (err as Error).message }], file: null };
    }
  }

  function settings(): Settings {
    return {
      updateChannel: bridge.config.updates.channel,
      startAtLogin: autostart.enabled(),
      capturePaused: bridge.status().capturePaused,
      logLevel: bridge.config.log_level,
    };
  }

  async function waitForDevice(read: () => DeviceState, timeoutMs: number): Promise<DeviceState> {
    const until = Date.now() + timeoutMs;
    let s = read();
    while (Date.now() < until && !['connected', 'listening', 'error'].includes(s.status)) {
      await wait(50);
      s = read();
    }
    return s;
  }

  /** Gives the queue back (original port, direct queue removed), then drops its device from the config. */
  async function releaseQueue(id: string) {
    const entry = await release(bridge.spooler, dataDir, id).catch((err: unknown) => {
      if (err instanceof SpoolerError && err.code === 'not_taken') throw new BridgeApiError('device_not_found', `id: no print queue is taken over by "${id}"; list them with devices.queues.`, 'id');
      throw err;
    });
    if (bridge.config.devices.some((d) => d.id === id)) await saveDevices((list) => list.filter((d) => d.id !== id));
    // The last queue given back: the watchdog service this data dir installed has nothing left to watch.
    if (readTakeovers(dataDir).length === 0) {
      const watchdog = await removeWatchdogService(watchdogServiceFor(dataDir, configFile, env));
      bridge.log.info('spooler watchdog service', { ok: watchdog.ok, message: watchdog.message });
    }
    return entry;
  }

  const testResult = (s: DeviceState) => ({ ok: s.status === 'connected' || s.status === 'listening', status: s.status, detail: s.detail, bytes: s.bytes });

  // ---------------------------------------------------------------- the handlers

  const handlers: Handlers = {
    status: () => status(),

    'pairing.start': async (input) => {
      if (pairing.state === 'waiting' || pairing.state === 'starting') return pairing;
      pairingAbort = new AbortController();
      const abort = pairingAbort;
      setPairing({ ...IDLE_PAIRING, state: 'starting' });
      let shown: () => void = () => undefined;
      const codeShown = new Promise<void>((r) => (shown = r));
      const done = pairDevice({
        baseUrl: bridge.config.cloud.base_url,
        vault,
        log: bridge.log,
        deviceName: input.deviceName ?? options.pairing?.deviceName,
        clock: options.pairing?.clock,
        timeoutMs: bridge.config.cloud.timeout_ms,
        signal: abort.signal,
        onCode: (code) => {
          setPairing({
            state: 'waiting',
            userCode: code.user_code,
            verificationUri: code.verification_uri,
            verificationUriComplete: code.verification_uri_complete,
            qr: qrMatrix(code.verification_uri_complete),
            expiresAt: new Date(now().getTime() + code.expires_in * 1000).toISOString(),
          });
          shown();
        },
      })
        .then(async (paired) => {
          agent = paired;
          setPairing({ state: 'approved', business: { name: paired.business_name, tin: paired.tin, location: paired.location_name, businessId: paired.business_id }, message: null, qr: null });
          await bridge.reloadPairing();
          bridge.syncNow().catch(() => undefined);
        })
        .catch((err: unknown) => {
          if (abort.signal.aborted) setPairing({ state: 'cancelled', qr: null, message: 'Pairing was cancelled; nothing was changed.' });
          else if (err instanceof PairingFailed) {
            const state = err.code === 'access_denied' ? 'denied' : err.code === 'expired_token' ? 'expired' : 'failed';
            const message =
              state === 'denied'
                ? 'The pairing was declined in the TaxPoynt dashboard. Start pairing again to get a new code.'
                : state === 'expired'
                  ? 'The code expired before it was approved. Start pairing again to get a new code.'
                  : err.message.replace(/Run `taxpoynt-bridge pair` again/, 'Start pairing again');
            setPairing({ state, qr: null, message });
          } else setPairing({ state: 'failed', qr: null, message: `Pairing failed: ${toApiError(err).message}. Check the internet connection and try again.` });
        })
        .finally(() => shown());
      await Promise.race([codeShown, done]);
      return pairing;
    },
    'pairing.status': () => pairing,
    'pairing.cancel': async () => {
      if (pairingAbort && (pairing.state === 'waiting' || pairing.state === 'starting')) {
        pairingAbort.abort(new Error('pairing cancelled'));
        const until = Date.now() + 2000;
        while ((pairing.state as string) !== 'cancelled' && Date.now() < until) await wait(20);
      }
      return pairing;
    },
    'pairing.unpair': async () => {
      // An unpaired bridge captures for no one: the print queues it stands in front of go back to their printers.
      for (const t of readTakeovers(dataDir)) await releaseQueue(t.id);
      const r = await unpair({ baseUrl: bridge.config.cloud.base_url, vault, log: bridge.log });
      await bridge.reloadPairing();
      agent = null;
      setPairing(IDLE_PAIRING);
      return { wasPaired: r.wasPaired, revoked: r.revoked };
    },

    'devices.list': () => {
      const states = new Map(bridge.status().devices.map((d) => [d.deviceId, d]));
      const today = view.today();
      return {
        devices: bridge.config.devices.map((d) => {
          const s = states.get(d.id);
          return { settings: settingsOf(d), state: s ? deviceView(s, today) : null };
        }),
      };
    },
    'devices.detect': async () => {
      const problems: string[] = [];
      const used = (match: (d: DeviceConfig) => boolean) => bridge.config.devices.find(match)?.id ?? null;
      const serial = await listSerialPorts().catch((err: Error) => {
        problems.push(`Serial ports could not be listed: ${err.message}`);
        return [];
      });
      const hid = await listHidDevices().catch((err: Error) => {
        problems.push(`USB HID devices could not be listed: ${err.message.split('\n')[0]}`);
        return [];
      });
      const pathOf = (d: DeviceConfig): string[] =>
        d.kind === 'serial_tap' || d.kind === 'ecr_serial'
          ? [d.path]
          : d.kind === 'virtual_printer'
            ? [...('serial' in d.listen ? [d.listen.serial.path] : []), ...(d.printer && 'serial' in d.printer ? [d.printer.serial.path] : [])]
            : [];
      return {
        serial: serial.map((p) => ({
          path: p.path,
          manufacturer: p.manufacturer ?? null,
          vendorId: p.vendorId ?? null,
          productId: p.productId ?? null,
          name: usbName(p.vendorId, p.productId) ?? p.manufacturer ?? null,
          usedBy: used((d) => pathOf(d).includes(p.path)),
        })),
        hid: hid.map((h) => ({
          path: h.path,
          vendorId: h.vendorId,
          productId: h.productId,
          manufacturer: h.manufacturer ?? usbName(h.vendorId, h.productId),
          product: h.product ?? null,
          usedBy: used((d) => d.kind === 'hid' && parseInt(String(d.vendor_id).replace(/^0x/i, ''), typeof d.vendor_id === 'number' ? 10 : 16) === parseInt(h.vendorId, 16)),
        })),
        problems,
      };
    },
    'devices.add': async ({ device }) => {
      const { config: parsed, raw } = deviceConfig(device);
      if (bridge.config.devices.some((d) => d.id === parsed.id)) {
        throw new BridgeApiError('device_exists', `device.id: a device called "${parsed.id}" exists already; choose another name.`, 'device.id');
      }
      await saveDevices((list) => [...list, raw]);
      return { device: settingsOf(bridge.config.devices.find((d) => d.id === parsed.id)!) };
    },
    'devices.update': async ({ id, device }) => {
      const current = bridge.config.devices.find((d) => d.id === id);
      if (!current) throw new BridgeApiError('device_not_found', `id: no device called "${id}"; list them with devices.list.`, 'id');
      const { config: parsed, raw } = deviceConfig(device, 'device', current);
      if (parsed.id !== id && bridge.config.devices.some((d) => d.id === parsed.id)) {
        throw new BridgeApiError('device_exists', `device.id: a device called "${parsed.id}" exists already; choose another name.`, 'device.id');
      }
      await saveDevices((list) => list.map((d) => (d.id === id ? raw : d)));
      return { device: settingsOf(bridge.config.devices.find((d) => d.id === parsed.id)!) };
    },
    'devices.remove': async ({ id }) => {
      if (!bridge.config.devices.some((d) => d.id === id)) throw new BridgeApiError('device_not_found', `id: no device called "${id}"; list them with devices.list.`, 'id');
      // A device in front of a print queue gives the queue back first: the till must never print to nothing.
      if (readTakeovers(dataDir).some((t) => t.id === id)) await releaseQueue(id);
      else await saveDevices((list) => list.filter((d) => d.id !== id));
      return { removed: id };
    },
    'devices.queues': async () => {
      try {
        return { queues: await listQueues(bridge.spooler, dataDir), problem: null };
      } catch (err) {
        return { queues: [], problem: `The print queues could not be listed: ${toApiError(err).message}` };
      }
    },
    'devices.takeover': async ({ queue, id }) => {
      const done = await takeover({ backend: bridge.spooler, dataDir, queue, id, usedIds: bridge.config.devices.map((d) => d.id) }).catch((err: unknown) => {
        if (!(err instanceof SpoolerError)) throw err;
        // A refused administrator prompt or a spooler failure is about the step, not the queue's name: said as is.
        const field = err.code === 'invalid_id' ? 'id' : ['invalid_queue', 'queue_not_found', 'already_taken'].includes(err.code) ? 'queue' : null;
        if (!field) throw new BridgeApiError(err.code, err.message);
        throw new BridgeApiError(err.code, err.message.startsWith(`${field}:`) ? err.message : `${field}: ${err.message}`, field);
      });
      try {
        const { raw } = deviceConfig(done.device as DeviceSettings);
        await saveDevices((list) => [...list, raw]);
      } catch (err) {
        await release(bridge.spooler, dataDir, done.entry.id).catch(() => undefined);
        throw err;
      }
      const printer = (done.device.printer ?? {}) as { direct?: { tcp?: string; file?: string } };
      const passThrough = printer.direct ? `straight to ${printer.direct.tcp ?? printer.direct.file}` : `through the hidden queue ${done.entry.direct} (RAW)`;
      const watchdog = await installWatchdogService(watchdogServiceFor(dataDir, configFile, env));
      bridge.log[watchdog.ok ? 'info' : 'warn']('spooler watchdog service', { ok: watchdog.ok, message: watchdog.message });
      return { device: settingsOf(bridge.config.devices.find((d) => d.id === done.entry.id)!), queue, passThrough, watchdog };
    },
    'devices.release': async ({ id }) => {
      const entry = await releaseQueue(id);
      return { released: id, queue: entry.queue, port: entry.original.port };
    },
    'devices.test': async ({ id, device, timeoutMs }) => {
      if (id) {
        if (!bridge.config.devices.some((d) => d.id === id)) throw new BridgeApiError('device_not_found', `id: no device called "${id}"; list them with devices.list.`, 'id');
        const read = () => bridge.status().devices.find((d) => d.deviceId === id);
        if (!read()) {
          return { ok: false, status: bridge.status().capturePaused ? 'paused' : 'stopped', detail: bridge.status().capturePaused ? 'Capture is paused: resume it to test this device.' : 'This device is disabled: enable it to test it.', bytes: 0 };
        }
        return testResult(await waitForDevice(() => read()!, timeoutMs));
      }
      if (!device) throw new BridgeApiError('bad_request', 'id: give the id of a configured device, or device: the settings of one to try.', 'id');
      const { config: parsed } = deviceConfig(device);
      const source = createSource(parsed, { job: () => undefined, terminalEvent: () => undefined, deviceState: () => undefined }, { log: bridge.log.child({ component: 'device-test' }) });
      await source.start();
      try {
        return testResult(await waitForDevice(() => source.status(), timeoutMs));
      } finally {
        await source.stop();
      }
    },
    'devices.autoBaud': async ({ path, sampleMs }) => {
      // Only a port the OS lists as a serial port is opened: a request cannot make the engine open a file or another device.
      const listed = await (options.serialPorts ?? listSerialPorts)().catch(() => []);
      if (!listed.some((p) => p.path === path)) {
        throw new BridgeApiError('port_not_listed', `path: ${path} is not a serial port this computer lists; pick one from devices.detect (plug the cable in first).`, 'path');
      }
      const holder = bridge.config.devices.find((d) => 'path' in d && d.path === path);
      if (holder && !bridge.status().capturePaused && holder.enabled) {
        throw new BridgeApiError('port_in_use', `path: ${path} is read by the device "${holder.id}"; set its baud rate to "auto" instead, or pause capture first.`, 'path');
      }
      const samples: Array<{ baud: number; bytes: Uint8Array }> = [];
      for (const baud of CANDIDATE_BAUDS) {
        const chunks: Buffer[] = [];
        const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
        await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new BridgeApiError('port_unavailable', `path: ${path} could not be opened (${err.message}); check the cable and the port name.`, 'path')) : resolve())));
        port.on('data', (c: Buffer) => chunks.push(c));
        await wait(sampleMs);
        await new Promise<void>((r) => port.close(() => r()));
        samples.push({ baud, bytes: Buffer.concat(chunks) });
      }
      const choice = chooseBaud(samples);
      return { baud: choice.baud, score: choice.score, reason: choice.reason, samples: samples.map((s) => ({ baud: s.baud, bytes: s.bytes.byteLength, score: s.bytes.byteLength ? scoreEscpos(s.bytes) : 0 })) };
    },
    'devices.preview': async ({ deviceId }) => {
      const id = view.lastOf(deviceId);
      return { deviceId, receipt: id ? await view.detail(id) : null };
    },

    'receipts.list': (input) => view.list(input),
    'receipts.get': async ({ id }) => {
      const detail = await view.detail(id);
      if (!detail) throw new BridgeApiError('not_found', `id: no receipt ${id}; it may have been purged after the retention period.`, 'id');
      return detail;
    },
    'receipts.retry': ({ id }) => {
      const row = bridge.store.retry(id);
      onReceipt({ id, deviceId: row.deviceId, state: row.state, at: now().toISOString(), problems: row.problems });
      bridge.syncNow().catch(() => undefined);
      return view.summary(id)!;
    },
    'receipts.reprocess': ({ id, profile }) => {
      const r = reprocess(bridge.store, id, profile ? profileRef(profile, 'profile') : undefined);
      const row = bridge.store.get(id)!;
      onReceipt({ id, deviceId: row.deviceId, state: r.state, problems: r.problems, at: now().toISOString() });
      if (r.state === 'pending') bridge.syncNow().catch(() => undefined);
      if (r.state === 'reading') bridge.readLater(id);
      return view.summary(id)!;
    },

    'profiles.list': () => {
      const usedBy = (name: string) => bridge.config.devices.filter((d) => 'profile' in d && profileName(d.profile) === name).map((d) => d.id);
      const builtin = listProfiles();
      const user = existsSync(userProfiles) ? listProfiles({ profilesDir: userProfiles }).filter((n) => !builtin.includes(n)) : [];
      return {
        profiles: [
          ...builtin.map((name) => ({ name, source: 'builtin' as const, usedBy: usedBy(name) })),
          ...user.map((name) => ({ name, source: 'user' as const, usedBy: usedBy(name) })),
        ],
      };
    },
    'profiles.get': ({ name }) => {
      const ref = profileRef(name, 'name');
      if (ref !== name) return { name, source: 'user' as const, text: readFileSync(ref, 'utf8') };
      return { name, source: 'builtin' as const, text: JSON.stringify(loadProfile(name), null, 2) + '\n' };
    },
    'profiles.save': ({ name, text }) => {
      if (!NAME_AT_VERSION.test(name)) return { saved: false, name, issues: [{ path: 'name', message: 'a profile name is lower-case letters, digits and "-", then "@" and a version, e.g. "my-shop@1"' }] };
      if (listProfiles().includes(name)) return { saved: false, name, issues: [{ path: 'name', message: `${name} is a built-in profile; save your version under another name, e.g. "${name.split('@')[0]}-shop@1"` }] };
      const checked = checkProfile(text);
      if (!checked.file) return { saved: false, name, issues: checked.issues };
      renameSync(checked.file, join(userProfiles, `${name}.json`));
      return { saved: true, name, issues: [] };
    },
    'profiles.try': ({ text, ids, deviceId, limit }) => {
      const checked = checkProfile(text);
      if (!checked.file) return { issues: checked.issues, results: [] };
      try {
        const chosen = ids ?? view.list({ deviceId, limit }).rows.map((r) => r.id);
        const results = [];
        for (const id of chosen) {
          const entry = bridge.store.readJournal(id);
          if (!entry) continue;
          const parsed = parseJob(entry, checked.file);
          results.push({
            id,
            deviceId: entry.deviceId,
            receiptNumber: parsed.transaction?.receipt_number ?? null,
            before: bridge.store.get(id)?.state ?? null,
            after: parsed.state,
            total: parsed.transaction?.totals.total ?? null,
            problems: parsed.problems,
          });
        }
        return { issues: [], results };
      } finally {
        rmSync(checked.file, { force: true });
      }
    },

    'settings.get': () => settings(),
    'settings.set': async (change) => {
      switch (change.key) {
        case 'updateChannel':
          setConfigValue(configFile, 'updates.channel', change.value);
          bridge.config.updates.channel = change.value;
          break;
        case 'logLevel':
          setConfigValue(configFile, 'log_level', change.value);
          bridge.config.log_level = change.value;
          bridge.log.setLevel(change.value);
          break;
        case 'capturePaused':
          await setPaused(change.value);
          break;
        case 'startAtLogin':
          autostart.set(change.value);
          break;
      }
      return settings();
    },

    'update.status': () => ({ update: updateView(bridge.status().update) }),
    'update.check': async () => {
      const checking = bridge.checkUpdates();
      if (checking) await checking;
      soonStatus();
      return { update: updateView(bridge.status().update) };
    },
    'update.install': async () => {
      const version = bridge.status().update?.downloaded_version ?? null;
      const decision = await bridge.requestInstall();
      soonStatus();
      if (!decision) return { installing: false, reason: 'updates_off' as const, version: null };
      return { installing: decision.install, reason: decision.why, version };
    },

    doctor: async () => {
      const report = await runDoctor({ dataDir, configFile, env, timeoutMs: 3000 });
      return { ok: report.ok, checks: report.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, fix: c.fix ?? null })) };
    },
    'diagnostics.export': async () => {
      const doctor = await runDoctor({ dataDir, configFile, env, timeoutMs: 3000 });
      const bundle = diagnosticsBundle({ dataDir, version: bridge.options.version, doctor, config: bridge.config, status: bridge.status() });
      const dir = join(dataDir, 'diagnostics');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `taxpoynt-diagnostics-${now().toISOString().replace(/[:.]/g, '-')}.json`);
      const text = JSON.stringify(bundle, null, 2) + '\n';
      writeFileSync(path, text, { mode: 0o600 });
      return { path, bytes: Buffer.byteLength(text) };
    },

    'capture.pause': async () => ({ capturePaused: await setPaused(true) }),
    'capture.resume': async () => ({ capturePaused: await setPaused(false) }),
    'sync.now': async () => {
      const done = bridge.syncNow();
      const outcome = await Promise.race([done.then(() => null, (err: unknown) => err), wait(10_000).then(() => null)]);
      if (outcome) throw toApiError(outcome);
      const c = bridge.store.counts();
      return { pending: c.pending + c.in_flight };
    },
  };

  async function invoke(channel: string, input: unknown): Promise<unknown> {
    if (closed) throw new BridgeApiError('engine_stopped', 'The bridge engine is stopping; try again in a moment.');
    if (!Object.hasOwn(REQUESTS, channel)) throw new BridgeApiError('unknown_channel', `There is no request called "${channel}".`, 'channel');
    const spec = REQUESTS[channel as Channel];
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = fieldOf(issue.path) || '(input)';
      throw new BridgeApiError('bad_request', `${channel}: ${field}: ${issue.message}`, field);
    }
    let answer: unknown;
    try {
      answer = await (handlers[channel as Channel] as (i: unknown) => unknown)(parsed.data);
    } catch (err) {
      throw toApiError(err);
    }
    const checked = spec.output.safeParse(scrub(answer));
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      bridge.log.error('an answer did not match the API contract', { channel, field: fieldOf(issue.path), problem: issue.message });
      throw new BridgeApiError('bad_answer', `The engine's answer to ${channel} was malformed at ${fieldOf(issue.path)}: please export diagnostics and report it.`);
    }
    return checked.data;
  }

  const ready = (async () => {
    await refreshAgent();
    if (readAppState().capturePaused && !bridge.status().capturePaused) await bridge.setPaused(true);
    publishStatus(true);
  })().catch((err) => bridge.log.warn('app state could not be applied', { error: err }));

  return {
    channels: CHANNELS,
    invoke,
    on(event, listener) {
      emitter.on(event, listener as (p: unknown) => void);
      return () => emitter.off(event, listener as (p: unknown) => void);
    },
    ready,
    close() {
      closed = true;
      clearInterval(ticker);
      pairingAbort?.abort(new Error('engine stopping'));
      bridge.off('receipt', onReceipt);
      bridge.off('device', onDevice);
      bridge.off('alert', onAlert);
      emitter.removeAllListeners();
    },
  };
}
