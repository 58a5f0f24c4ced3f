// `pair`: RFC 8628 device pairing from the terminal: user code, link and QR code, then the business it paired with.
import { hostname } from 'node:os';
import QRCode from 'qrcode';
import { pairDevice, PairingFailed, readPairing } from '../cloud/index.js';
import { loadConfig } from '../engine/config.js';
import { Logger, logFile } from '../telemetry/log.js';
import { KeychainVault, serviceName } from '../vault/index.js';
import { UsageError, type Command } from './command.js';

export const command: Command = {
  name: 'pair',
  summary: 'pair this bridge with a TaxPoynt business account (shows a code and a QR code to approve)',
  usage: [
    '  taxpoynt-bridge pair [--name NAME] [--no-qr] [--force]',
    '    Shows a code and a link (and a QR code of the link); approve it in the TaxPoynt dashboard.',
    '    --name NAME   how this machine is named in the dashboard (default: the host name)',
    '    --no-qr       do not draw the QR code',
    '    --force       pair again even if already paired (not needed when the pairing was lost: revoked or expired)',
  ].join('\n'),
  async run(ctx) {
    let name = hostname();
    let qr = true;
    let force = false;
    for (let i = 0; i < ctx.argv.length; i++) {
      const arg = ctx.argv[i];
      if (arg === '--name') name = ctx.argv[++i] ?? '';
      else if (arg === '--no-qr') qr = false;
      else if (arg === '--force') force = true;
      else throw new UsageError(`unknown option "${arg}" for pair`);
    }
    if (!name) throw new UsageError('--name needs a value');
    const { config } = loadConfig(ctx.configFile, ctx.env);
    const vault = new KeychainVault(serviceName(ctx.env));
    const log = new Logger({ file: logFile(ctx.dataDir), level: config.log_level });
    const { agent: existing, lost } = await readPairing(vault);
    if (existing && !force) {
      ctx.stdout.write(`Already paired with ${existing.business_name} (TIN ${existing.tin}, ${existing.location_name}).\n` + 'Run `taxpoynt-bridge unpair` first, or `pair --force` to pair again.\n');
      return 0;
    }
    if (lost) {
      const was = lost.agent ? ` with ${lost.agent.business_name} (TIN ${lost.agent.tin})` : '';
      ctx.stdout.write(`The pairing${was} was lost on ${lost.since} (TaxPoynt no longer accepts it): pairing again. Receipts kept meanwhile are sent once the new pairing is approved.\n`);
    }
    const abort = new AbortController();
    const onSignal = () => abort.abort(new Error('pairing cancelled'));
    process.once('SIGINT', onSignal);
    try {
      const agent = await pairDevice({
        baseUrl: config.cloud.base_url,
        vault,
        log,
        deviceName: name,
        timeoutMs: config.cloud.timeout_ms,
        signal: abort.signal,
        onCode: (code) => {
          ctx.stdout.write(`\nTo pair this bridge, open\n\n    ${code.verification_uri}\n\nand enter the code\n\n    ${code.user_code}\n\n`);
          if (qr) {
            void QRCode.toString(code.verification_uri_complete, { type: 'terminal', small: true }).then((text) => {
              ctx.stdout.write(`Or scan this with your phone:\n\n${text}\n`);
            });
          }
          ctx.stdout.write(`The code is valid for ${Math.round(code.expires_in / 60)} minutes. Waiting for approval… (Ctrl-C to cancel)\n`);
        },
      });
      ctx.stdout.write(`\nPaired with ${agent.business_name}\n  TIN:      ${agent.tin}\n  location: ${agent.location_name}\n  agent id: ${agent.agent_id}\n`);
      return 0;
    } catch (err) {
      if (err instanceof PairingFailed) {
        ctx.stderr.write(err.message + '\n');
        return 1;
      }
      if (abort.signal.aborted) {
        ctx.stderr.write('Pairing cancelled; nothing was changed.\n');
        return 130;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};
