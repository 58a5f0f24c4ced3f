// The machine checks behind `doctor` (and the app's Diagnostics screen): one result per check, with a fix when it fails.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { loadConfig, type Config } from './config.js';
import { KeychainVault } from '../vault/index.js';
import { redactText } from '../telemetry/redact.js';
import { isWildcard, parseHostPort } from '../capture/index.js';

export interface DoctorCheck {
  name: 'node' | 'config' | 'keychain' | 'data_dir' | 'serial' | 'cloud' | 'listen';
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  dataDir: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function failure(err: unknown): string {
  return redactText(err instanceof Error ? err.message.split('\n')[0]! : String(err));
}

export function checkNode(version = process.versions.node): DoctorCheck {
  const major = Number(version.split('.')[0]);
  return major >= 20
    ? { name: 'node', ok: true, detail: `Node ${version}` }
    : { name: 'node', ok: false, detail: `Node ${version} is too old`, fix: 'install Node 20 or newer (the installed app brings its own runtime)' };
}

async function checkKeychain(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const vault = new KeychainVault(env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE?.trim() || undefined);
  try {
    await vault.probe();
    return { name: 'keychain', ok: true, detail: `reachable and unlocked (service "${vault.service}")` };
  } catch (err) {
    return {
      name: 'keychain',
      ok: false,
      detail: failure(err),
      fix:
        process.platform === 'linux'
          ? 'start and unlock a Secret Service keyring (gnome-keyring) for this user session, e.g. log in to the desktop once, or `gnome-keyring-daemon --unlock` on a headless box'
          : 'unlock the OS keychain for this user (log in once), then run doctor again',
    };
  }
}

function checkDataDir(dataDir: string): DoctorCheck {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const probe = join(dataDir, `.doctor-${randomBytes(4).toString('hex')}`);
    writeFileSync(probe, 'probe');
    rmSync(probe);
    return { name: 'data_dir', ok: true, detail: `${dataDir} is writable` };
  } catch (err) {
    return {
      name: 'data_dir',
      ok: false,
      detail: `${dataDir}: ${failure(err)}`,
      fix: 'give the bridge user write access to the data dir, or choose another with --data-dir / TAXPOYNT_BRIDGE_DATA_DIR',
    };
  }
}

async function checkSerial(): Promise<DoctorCheck> {
  try {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    return { name: 'serial', ok: true, detail: `serial enumeration works (${ports.length} port${ports.length === 1 ? '' : 's'} found)` };
  } catch (err) {
    return {
      name: 'serial',
      ok: false,
      detail: `serial ports cannot be listed: ${failure(err)}`,
      fix:
        process.platform === 'linux'
          ? 'install udev (`apt-get install udev`) and add the bridge user to the dialout group'
          : 'reinstall the bridge (its serial driver module did not load)',
    };
  }
}

/** Reachable means an HTTP answer of any status: the contract's endpoints need a token, the host does not. */
export function checkCloud(baseUrl: string, timeoutMs = 5000): Promise<DoctorCheck> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      resolve({ name: 'cloud', ok: false, detail: `${baseUrl} is not a URL`, fix: 'set cloud.base_url with `taxpoynt-bridge config set cloud.base_url URL`' });
      return;
    }
    const started = Date.now();
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ name: 'cloud', ok: true, detail: `${url.origin} answered HTTP ${res.statusCode} in ${Date.now() - started} ms` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => {
      resolve({
        name: 'cloud',
        ok: false,
        detail: `${url.origin} is not reachable: ${failure(err)}`,
        fix: 'check the network or proxy of this machine, and cloud.base_url (`taxpoynt-bridge config show`); receipts are kept meanwhile',
      });
    });
    req.end();
  });
}

/** A virtual printer listening on every interface (0.0.0.0, ::) is reachable from the whole shop network: warn even with an allow list. */
export function checkListen(config: Config): DoctorCheck {
  const wide = config.devices.flatMap((d) => (d.kind === 'virtual_printer' && 'tcp' in d.listen && isWildcard(parseHostPort(d.listen.tcp)?.host ?? '') ? [`${d.id} (${d.listen.tcp})`] : []));
  return wide.length === 0
    ? { name: 'listen', ok: true, detail: 'no virtual printer listens on every interface' }
    : {
        name: 'listen',
        ok: false,
        detail: `listening on every network interface: ${wide.join(', ')}`,
        fix: 'listen on 127.0.0.1 when the POS runs on this machine, or on the one address the tills print to, with an "allow" list of the tills',
      };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [checkNode()];
  let config: Config | undefined;
  try {
    config = loadConfig(options.configFile, options.env).config;
    checks.push({ name: 'config', ok: true, detail: `${options.configFile} is valid` });
  } catch (err) {
    checks.push({ name: 'config', ok: false, detail: failure(err), fix: `fix ${options.configFile} (\`taxpoynt-bridge config validate\` lists each problem)` });
  }
  checks.push(await checkKeychain(options.env));
  checks.push(checkDataDir(options.dataDir));
  checks.push(await checkSerial());
  if (config) checks.push(checkListen(config));
  if (config) checks.push(await checkCloud(config.cloud.base_url, options.timeoutMs));
  return { ok: checks.every((c) => c.ok), checks };
}
