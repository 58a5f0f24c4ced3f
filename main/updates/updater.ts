// electron-updater driven by the policy: a headless BaseUpdater for plain Node, and UpdateClient that turns its real check into a reason.
import { BaseUpdater, NoOpLogger, type AppUpdater, type Logger as UpdaterLogger } from 'electron-updater';
import type { DownloadUpdateOptions, DownloadExecutorResult } from 'electron-updater/out/AppUpdater.js';
import type { InstallOptions } from 'electron-updater/out/BaseUpdater.js';
import type { ResolvedUpdateFileInfo } from 'electron-updater/out/types.js';
import type { UpdateInfo } from 'builder-util-runtime';
import { redactText } from '../telemetry/redact.js';
import { NodeAppAdapter } from './adapter.js';
import { NodeHttpExecutor } from './http.js';
import { versionLt } from './versions.js';
import { allowDowngradeFor, checkPin, pinVerdict, type Channel, type CheckReport } from './policy.js';

/** The installer each platform's package brings: AppImage or deb on Linux, the NSIS exe on Windows, the zip on macOS. */
export function packageExtensions(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return ['exe'];
  if (platform === 'darwin') return ['zip'];
  return ['AppImage', 'deb'];
}

export type HeadlessInstaller = (file: string, options: InstallOptions) => boolean;

export interface HeadlessUpdaterOptions {
  version: string;
  dataDir: string;
  /** Runs the downloaded package (e.g. `dpkg -i` through the service's privileged helper). Without it, install is refused. */
  installer?: HeadlessInstaller;
  /** Called after the installer took over: the engine stops, the service manager starts the new version. */
  quit?: () => void;
  logger?: UpdaterLogger;
  platform?: NodeJS.Platform;
  timeoutMs?: number;
}

export class HeadlessInstallError extends Error {
  readonly code = 'update_install_unsupported';
  constructor() {
    super('This headless bridge cannot install its own package: install the downloaded package with the system package manager, or run the desktop app.');
    this.name = 'HeadlessInstallError';
  }
}

/**
 * electron-updater's BaseUpdater with our Node app adapter and HTTP executor: feed parsing, version
 * comparison, staging and the sha512-verified download (executeDownload) are electron-updater's own.
 */
export class HeadlessUpdater extends BaseUpdater {
  readonly adapter: NodeAppAdapter;
  private readonly installer?: HeadlessInstaller;
  private readonly extensions: string[];

  constructor(options: HeadlessUpdaterOptions) {
    const adapter = new NodeAppAdapter({ version: options.version, dataDir: options.dataDir, quit: options.quit });
    super(null, adapter);
    this.adapter = adapter;
    this.installer = options.installer;
    this.extensions = packageExtensions(options.platform);
    this.logger = options.logger ?? new NoOpLogger();
    // Must be set before setFeedURL: the provider captures the executor when it is created.
    (this as unknown as { httpExecutor: NodeHttpExecutor }).httpExecutor = new NodeHttpExecutor(options.timeoutMs);
  }

  override setFeedURL(options: Parameters<AppUpdater['setFeedURL']>[0]): void {
    if (typeof options === 'object' && 'url' in options && typeof options.url === 'string') this.adapter.writeUpdateConfig(options.url);
    super.setFeedURL(options);
  }

  protected override doDownloadUpdate(options: DownloadUpdateOptions): Promise<DownloadExecutorResult> {
    const { provider, info } = options.updateInfoAndProvider;
    const files = provider.resolveFiles(info) as ResolvedUpdateFileInfo[];
    const wanted = this.extensions
      .map((ext) => files.find((file) => file.url.pathname.toLowerCase().endsWith(`.${ext.toLowerCase()}`)))
      .find((file) => file !== undefined);
    const fileInfo = wanted ?? files[0]!;
    const extension = fileInfo.url.pathname.split('.').pop() ?? 'bin';
    const executor = (this as unknown as { httpExecutor: NodeHttpExecutor }).httpExecutor;
    return this.executeDownload({
      fileExtension: extension,
      fileInfo,
      downloadUpdateOptions: options,
      task: async (destination, downloadOptions) => {
        await executor.download(fileInfo.url, destination, downloadOptions);
      },
    });
  }

  protected override doInstall(options: InstallOptions): boolean {
    const file = this.installerPath;
    if (!this.installer || !file) throw new HeadlessInstallError();
    return this.installer(file, options);
  }

  /** BaseUpdater's version reaches for Electron's autoUpdater; here the adapter's quit ends the engine instead. */
  override quitAndInstall(isSilent = true, isForceRunAfter = true): void {
    if (this.install(isSilent, isForceRunAfter)) setImmediate(() => this.app.quit());
  }

  /** The package file downloaded and verified, or null. */
  get downloadedFile(): string | null {
    return this.installerPath;
  }
}

export class UpdateFeedError extends Error {
  readonly code = 'update_feed_error';
  constructor(cause: unknown, feedUrl: string) {
    super(
      `The update feed ${feedUrl} could not be read (${describe(cause)}): check updates.base_url or TAXPOYNT_BRIDGE_UPDATE_URL and the network; the bridge keeps running on its current version.`,
    );
    this.name = 'UpdateFeedError';
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const first = String(e?.message ?? err).split('\n')[0]!.trim();
  return redactText(e?.code ? `${String(e.code)}: ${first}` : first).slice(0, 300);
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'update_error';
}

export interface CheckRequest {
  feedUrl: string;
  channel: Channel;
  pinVersion?: string;
}

/**
 * Drives any AppUpdater (the headless one here, the platform's own in the Electron shell): sets its feed
 * and downgrade rule per check, adds the pin through its isUpdateSupported hook, watches its own staging
 * decision through isUserWithinRollout, and reports why a version is or is not offered.
 */
export class UpdateClient {
  private pin: string | undefined;
  private refusal: 'pinned' | 'staged_out' | null = null;
  private offered: string | null = null;

  constructor(readonly updater: AppUpdater) {
    updater.autoDownload = false;
    updater.autoInstallOnAppQuit = false;
    const supported = updater.isUpdateSupported;
    const withinRollout = updater.isUserWithinRollout;
    updater.isUpdateSupported = async (info: UpdateInfo) => {
      if (!(await supported(info))) return false;
      const verdict = pinVerdict(this.current, info.version, this.pin);
      if (verdict === 'pinned') this.refusal = 'pinned';
      return verdict === 'allowed';
    };
    updater.isUserWithinRollout = async (info: UpdateInfo) => {
      const inside = await withinRollout(info);
      if (!inside) this.refusal = 'staged_out';
      return inside;
    };
  }

  get current(): string {
    return this.updater.currentVersion.version;
  }

  /** The version the last check offered (and a download would fetch), or null. */
  get offeredVersion(): string | null {
    return this.offered;
  }

  async check(request: CheckRequest): Promise<CheckReport> {
    const base = { current: this.current, channel: request.channel, ...(request.pinVersion ? { pin: request.pinVersion } : {}) };
    this.offered = null;
    this.refusal = null;
    try {
      checkPin(request.pinVersion);
      this.pin = request.pinVersion;
      this.updater.setFeedURL({ provider: 'generic', url: request.feedUrl });
      this.updater.allowDowngrade = allowDowngradeFor(this.current, this.pin);
      const result = await this.updater.checkForUpdates();
      if (!result) throw new Error('the updater is not active in this build');
      const latest = result.updateInfo.version;
      if (result.isUpdateAvailable) {
        this.offered = latest;
        return { ...base, latest, available: true, reason: versionLt(latest, this.current) ? 'downgrade_to_pin' : 'newer' };
      }
      return { ...base, latest, available: false, reason: this.refusal ?? 'up_to_date' };
    } catch (err) {
      const error = new UpdateFeedError(err, request.feedUrl);
      const code = errorCode(err);
      return { ...base, latest: null, available: false, reason: 'feed_error', error: { code: code === 'update_error' ? error.code : code, message: error.message } };
    }
  }

  /** Downloads the version the last check offered; rejects (ERR_CHECKSUM_MISMATCH) when its sha512 differs. */
  async download(): Promise<string[]> {
    if (!this.offered) throw new Error('no update offered: run a check first');
    return this.updater.downloadUpdate();
  }
}

