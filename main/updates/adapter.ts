// electron-updater's AppAdapter for plain Node: version, data folders and app-update.yml under the bridge's data dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppAdapter } from 'electron-updater/out/AppAdapter.js';

/** The cache folder name electron-updater reads from app-update.yml (electron-builder writes the same key). */
export const UPDATER_CACHE_DIR_NAME = 'taxpoynt-pos-bridge-updater';

export interface NodeAppAdapterOptions {
  version: string;
  /** The bridge's data dir: the staging id (`.updaterId`) lives here, stable across runs. */
  dataDir: string;
  /** Called when the updater wants the process to end (after handing over to an installer). */
  quit?: () => void;
  relaunch?: () => void;
}

export class NodeAppAdapter implements AppAdapter {
  readonly version: string;
  readonly name = 'TaxPoynt POS Bridge';
  readonly isPackaged = true;
  readonly userDataPath: string;
  readonly baseCachePath: string;
  readonly appUpdateConfigPath: string;
  private readonly quitHandlers: Array<(exitCode: number) => void> = [];

  constructor(private readonly options: NodeAppAdapterOptions) {
    this.version = options.version;
    this.userDataPath = options.dataDir;
    this.baseCachePath = join(options.dataDir, 'updates');
    this.appUpdateConfigPath = join(options.dataDir, 'updates', 'app-update.yml');
  }

  /** Writes app-update.yml (only `updaterCacheDirName` is read from it: the feed URL is set with setFeedURL). */
  writeUpdateConfig(feedUrl: string): void {
    mkdirSync(this.baseCachePath, { recursive: true, mode: 0o700 });
    const text = `provider: generic\nurl: ${JSON.stringify(feedUrl)}\nupdaterCacheDirName: ${UPDATER_CACHE_DIR_NAME}\n`;
    writeFileSync(this.appUpdateConfigPath, text, { mode: 0o600 });
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  relaunch(): void {
    this.options.relaunch?.();
  }

  quit(): void {
    for (const handler of this.quitHandlers) handler(0);
    this.options.quit?.();
  }

  onQuit(handler: (exitCode: number) => void): void {
    this.quitHandlers.push(handler);
  }
}
