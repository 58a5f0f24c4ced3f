// `status [--json]`: the outbox by state and its oldest pending age, the pairing, and (when the engine runs) devices and cloud pace.
import { readTakeovers } from '../capture/spooler/state.js';
import { existsSync, readFileSync } from 'node:fs';
import { parseCommandArgs, writeJson, type Command } from './command.js';
import { statusFile, type BridgeStatus } from '../engine/bridge.js';
import { givenBackMessage } from '../engine/takeovers.js';
import { loadConfig } from '../engine/config.js';
import { processAlive } from '../engine/lock.js';
import { openStore, storeStatus } from '../store/index.js';
import { pairingLostMessage, readPairing } from '../cloud/index.js';
import { KeychainVault } from '../vault/index.js';
import { Logger } from '../telemetry/log.js';

/** The running engine's last snapshot, when its process is still alive. */
export function readEngineSnapshot(dataDir: string): BridgeStatus | null {
  const file = statusFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const snap = JSON.parse(readFileSync(file, 'utf8')) as BridgeStatus;
    return processAlive(snap.pid) && snap.pid !== process.pid ? snap : null;
  } catch {
    return null;
  }
}

function age(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Queues the watchdog gave back and no engine has taken again: said while the bridge is down, when it matters. */
function givenBackAlerts(dataDir: string): Array<{ code: string; message: string }> {
  try {
    return readTakeovers(dataDir)
      .filter((t) => t.phase === 'given_back')
      .map((t) => ({
        code: 'spooler_given_back',
        message: `${givenBackMessage(t, null)} Start the bridge to take it over again.`,
      }));
  } catch (err) {
    return [{ code: 'spooler_state', message: (err as Error).message }];
  }
}

export const command: Command = {
  name: 'status',
  summary: 'outbox by state, oldest pending receipt, pairing, devices and cloud pace',
  usage: '  taxpoynt-bridge status [--json]',
  async run(ctx) {
    const { values } = parseCommandArgs({ args: ctx.argv, options: { json: { type: 'boolean' } }, strict: true });
    const { config } = loadConfig(ctx.configFile, ctx.env);
    const vault = new KeychainVault();
    const store = await openStore({ dataDir: ctx.dataDir, vault, log: new Logger({ level: 'error' }) });
    let outbox;
    try {
      outbox = storeStatus(store);
    } finally {
      store.close();
    }
    const pairing = await readPairing(vault);
    const agent = pairing.agent;
    const engine = readEngineSnapshot(ctx.dataDir);
    const lostAgent = pairing.lost?.agent ?? null;
    // The keychain remembers a refused pairing, so this says it whether or not the engine runs.
    const lost = pairing.lost ? { code: 'pairing_lost', message: pairingLostMessage(lostAgent?.business_name ?? null) } : null;
    // The keychain says whether the pairing is lost (`lost` above); the engine's status file, written every few
    // seconds, may still carry a pairing_lost alert from before a new pairing.
    const cloudAlerts = (engine?.cloud.alerts ?? []).filter((a) => a.code !== 'pairing_lost').map((a) => ({ code: a.code, message: a.message }));
    const report = {
      data_dir: ctx.dataDir,
      cloud_url: config.cloud.base_url,
      paired: agent ? { business_name: agent.business_name, tin: agent.tin, location: agent.location_name, agent_id: agent.agent_id } : null,
      pairing_lost: pairing.lost
        ? { since: pairing.lost.since, business_name: lostAgent?.business_name ?? null, tin: lostAgent?.tin ?? null, agent_id: lostAgent?.agent_id ?? null }
        : null,
      outbox: { ...outbox.counts, oldest_pending_age_s: outbox.oldestPendingAgeS, buffered_in_memory: outbox.buffered, awaiting_parse: outbox.awaitingParse },
      alerts: [
        ...(lost ? [lost] : []),
        ...outbox.alerts.map((a) => ({ code: a.code, message: a.message })),
        ...cloudAlerts,
        ...(engine?.alerts ?? []).filter((a) => a.code.startsWith('spooler_')).map((a) => ({ code: a.code, message: a.message })),
        ...givenBackAlerts(ctx.dataDir),
      ],
      engine: engine
        ? {
            pid: engine.pid,
            version: engine.version,
            started_at: engine.startedAt,
            updated_at: engine.updatedAt,
            capture_paused: engine.capturePaused,
            devices: engine.devices.map((d) => ({
              id: d.deviceId,
              kind: d.kind,
              status: d.status,
              detail: d.detail,
              last_data_at: d.lastDataAt,
              jobs: d.jobs,
              // A virtual printer over TCP: where it listens, its open POS connections, and the ones it refused or closed.
              ...(d.endpoint ? { endpoint: d.endpoint, lanes: d.lanes?.length ?? 0 } : {}),
              ...(d.refused ? { refused: { lane_limit: d.refused.laneLimit, not_allowed: d.refused.notAllowed, last: d.refused.last } } : {}),
              ...(d.closedIdle === undefined ? {} : { closed_idle: d.closedIdle }),
            })),
            cloud: {
              state: engine.cloud.state,
              last_sync_at: engine.cloud.lastSyncAt,
              last_error: engine.cloud.lastError,
              breaker: engine.cloud.breaker,
              backoff_until: engine.cloud.backoffUntil,
              pace: engine.cloud.pace,
            },
            last_hour: engine.lastHour,
          }
        : null,
    };
    if (values.json) {
      writeJson(ctx.stdout, report);
      return 0;
    }
    const o = report.outbox;
    const lines = [
      `Paired:   ${
        report.paired
          ? `${report.paired.business_name} (TIN ${report.paired.tin}), ${report.paired.location}`
          : report.pairing_lost
            ? `no — pairing lost since ${report.pairing_lost.since}${report.pairing_lost.business_name ? ` (was ${report.pairing_lost.business_name})` : ''}: run \`taxpoynt-bridge pair\``
            : 'no — run `taxpoynt-bridge pair`'
      }`,
      `Cloud:    ${report.cloud_url}${engine ? ` — ${engine.cloud.state}${engine.cloud.lastSyncAt ? `, last sync ${engine.cloud.lastSyncAt}` : ''}` : ''}`,
      `Engine:   ${engine ? `running (pid ${engine.pid}, since ${engine.startedAt})` : 'not running'}`,
      `Outbox:   ${o.pending} pending (oldest ${age(o.oldest_pending_age_s)}), ${o.in_flight} in flight, ${o.accepted} accepted, ${o.duplicate} duplicate, ${o.rejected} rejected, ${o.review} in review, ${o.unparsed} unparsed, ${o.reading} reading (printed as pictures)`,
    ];
    for (const d of engine?.devices ?? []) {
      lines.push(`Device:   ${d.deviceId} (${d.kind}) ${d.status}: ${d.detail}`);
      const refused = d.refused ? d.refused.laneLimit + d.refused.notAllowed : 0;
      if (refused > 0) {
        const last = d.refused!.last;
        lines.push(`          ${refused} connection(s) refused (${d.refused!.laneLimit} at the lane limit, ${d.refused!.notAllowed} not in the allow list)${last ? `, last from ${last.address} at ${last.at}` : ''}`);
      }
    }
    for (const a of report.alerts) lines.push(`Alert:    ${a.message}`);
    ctx.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
