// `unpair`: revokes this bridge's pairing at TaxPoynt and deletes the refresh token and signing secret from the keychain.
import { readAgent, unpair } from '../cloud/index.js';
import { loadConfig } from '../engine/config.js';
import { Logger, logFile } from '../telemetry/log.js';
import { KeychainVault, serviceName } from '../vault/index.js';
import { UsageError, type Command } from './command.js';
import { releaseAll } from './devices.js';

export const command: Command = {
  name: 'unpair',
  summary: 'revoke the pairing with TaxPoynt and delete its keys from the keychain (captured receipts are kept)',
  usage: '  taxpoynt-bridge unpair',
  async run(ctx) {
    if (ctx.argv.length) throw new UsageError(`unpair takes no arguments (got "${ctx.argv[0]}")`);
    const { config } = loadConfig(ctx.configFile, ctx.env);
    const vault = new KeychainVault(serviceName(ctx.env));
    const log = new Logger({ file: logFile(ctx.dataDir), level: config.log_level });
    const agent = await readAgent(vault);
    // Print queues the bridge stands in front of go back to their printers: an unpaired bridge captures for no one.
    const released = await releaseAll(ctx);
    if (released) ctx.stdout.write(`${released} print queue(s) given back to their printers.\n`);
    const result = await unpair({ baseUrl: config.cloud.base_url, vault, log });
    if (!result.wasPaired) {
      ctx.stdout.write('This bridge was not paired; nothing to do.\n');
      return 0;
    }
    ctx.stdout.write(`Unpaired${agent ? ` from ${agent.business_name} (TIN ${agent.tin})` : ''}. The keys are deleted from the keychain.\n`);
    if (!result.revoked) {
      ctx.stdout.write('The TaxPoynt cloud could not be reached to confirm; remove this machine from the dashboard as well.\n');
    }
    ctx.stdout.write('Captured receipts stay in the outbox until the bridge is paired again (`taxpoynt-bridge pair`).\n');
    return 0;
  },
};
