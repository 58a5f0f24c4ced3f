// Where the bridge keeps its files: the data dir per OS, and the files inside it.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Windows %PROGRAMDATA%\TaxPoynt\POS Bridge, macOS ~/Library/Application Support/TaxPoynt POS Bridge, Linux $XDG_DATA_HOME/taxpoynt-pos-bridge. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return join(env.PROGRAMDATA || 'C:\\ProgramData', 'TaxPoynt', 'POS Bridge');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'TaxPoynt POS Bridge');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'taxpoynt-pos-bridge');
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.TAXPOYNT_BRIDGE_DATA_DIR || defaultDataDir(process.platform, env);
}

export interface DataPaths {
  dataDir: string;
  config: string;
  database: string;
  logs: string;
  tmp: string;
}

export function dataPaths(dataDir: string, configFlag?: string): DataPaths {
  return {
    dataDir,
    config: configFlag || join(dataDir, 'config.json'),
    database: join(dataDir, 'bridge.db'),
    logs: join(dataDir, 'logs'),
    tmp: join(dataDir, 'tmp'),
  };
}
