// `taxpoynt-bridge update check|status`: what the updater would do now and why, and the update loop's last known state.
import { loadConfig } from '../engine/config.js';
import { packageVersion } from '../engine/version.js';
import {
  HeadlessUpdater,
  UpdateClient,
  feedUrlFor,
  readStatus,
  resolveUpdateSettings,
  statusFile,
  type CheckReport,
  type RemoteUpdateConfig,
} from '../updates/index.js';
import { UsageError, writeJson, type Command, type CommandContext } from './command.js';

export interface UpdateCheckOptions {
  dataDir: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  /** The remote config's update block when one has arrived; the local config stands in otherwise. */
  remote?: RemoteUpdateConfig | null;
  version?: string;
}

/** One real check against the feed (electron-updater's own), without downloading. */
export async function runUpdateCheck(options: UpdateCheckOptions): Promise<CheckReport> {
  const { config } = loadConfig(options.configFile, options.env);
  const settings = resolveUpdateSettings(config.updates, options.remote);
  const current = options.version ?? packageVersion();
  if (!settings.baseUrl) {
    return {
      current,
      channel: settings.channel,
      latest: null,
      available: false,
      reason: 'feed_error',
      error: { code: 'update_base_url_missing', message: 'No update feed is configured: set updates.base_url (taxpoynt-bridge config set updates.base_url URL) or TAXPOYNT_BRIDGE_UPDATE_URL.' },
    };
  }
  const client = new UpdateClient(new HeadlessUpdater({ version: current, dataDir: options.dataDir }));
  return client.check({ feedUrl: feedUrlFor(settings.baseUrl, settings.channel), channel: settings.channel, pinVersion: settings.pinVersion });
}

const WHY: Record<CheckReport['reason'], string> = {
  up_to_date: 'this is the latest version on the channel',
  newer: 'a newer version is offered: it downloads in the background and installs in the install window',
  staged_out: 'a newer version is in a staged roll-out that does not include this machine yet',
  pinned: 'the fleet is pinned: versions above the pin are not installed',
  downgrade_to_pin: 'the fleet is pinned below this version: it rolls back to the pin',
  feed_error: 'the update feed could not be read; the bridge keeps running on its current version',
};

function printCheck(ctx: CommandContext, report: CheckReport): void {
  const lines = [
    `current:   ${report.current}`,
    `channel:   ${report.channel}${report.pin ? ` (pinned to ${report.pin})` : ''}`,
    `latest:    ${report.latest ?? '-'}`,
    `available: ${report.available ? 'yes' : 'no'}`,
    `reason:    ${report.reason}: ${WHY[report.reason]}`,
  ];
  if (report.error) lines.push(`error:     ${report.error.message}`);
  ctx.stdout.write(lines.join('\n') + '\n');
}

async function status(ctx: CommandContext, json: boolean): Promise<number> {
  const saved = readStatus(statusFile(ctx.dataDir));
  const { config } = loadConfig(ctx.configFile, ctx.env);
  const value = saved ?? {
    current: packageVersion(),
    channel: config.updates.channel,
    state: 'idle',
    last_check_at: null,
    next_check_at: null,
    downloaded_version: null,
    available_version: null,
    last_error: null,
  };
  if (json) {
    writeJson(ctx.stdout, value);
    return 0;
  }
  const lines = [
    `current:    ${value.current}`,
    `channel:    ${value.channel}`,
    `state:      ${value.state}`,
    `downloaded: ${value.downloaded_version ?? '-'}`,
    `available:  ${value.available_version ?? '-'}`,
    `last check: ${value.last_check_at ?? (saved ? '-' : 'none yet (the running bridge checks within 10 minutes of starting)')}`,
    `next check: ${value.next_check_at ?? '-'}`,
  ];
  if (value.last_error) lines.push(`last error: ${value.last_error}`);
  ctx.stdout.write(lines.join('\n') + '\n');
  return 0;
}

export const command: Command = {
  name: 'update',
  summary: 'check the update feed now, or show the update state',
  usage: [
    'taxpoynt-bridge update check [--json]   what the updater would do now and why (up_to_date, newer, staged_out, pinned, downgrade_to_pin, feed_error)',
    'taxpoynt-bridge update status [--json]  state, downloaded version, last and next check',
  ].join('\n'),
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    const json = rest.includes('--json');
    const unknown = rest.filter((arg) => arg !== '--json');
    if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]} (see taxpoynt-bridge update --help)`);
    if (sub === 'check') {
      const report = await runUpdateCheck({ dataDir: ctx.dataDir, configFile: ctx.configFile, env: ctx.env });
      if (json) writeJson(ctx.stdout, report);
      else printCheck(ctx, report);
      return report.reason === 'feed_error' ? 1 : 0;
    }
    if (sub === 'status') return status(ctx, json);
    throw new UsageError(sub ? `unknown update command "${sub}": expected check or status` : 'expected "update check" or "update status"');
  },
};
