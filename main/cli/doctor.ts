// `doctor [--json]`: checks what the bridge needs from this machine, each failure with how to fix it.
import { parseCommandArgs, writeJson, type Command } from './command.js';
import { runDoctor } from '../engine/doctor.js';

export const command: Command = {
  name: 'doctor',
  summary: 'check this machine: Node, keychain, data dir, serial ports, cloud; each failure says how to fix it',
  usage: '  taxpoynt-bridge doctor [--json]',
  async run(ctx) {
    const { values } = parseCommandArgs({ args: ctx.argv, options: { json: { type: 'boolean' } }, strict: true });
    const report = await runDoctor({ dataDir: ctx.dataDir, configFile: ctx.configFile, env: ctx.env });
    if (values.json) writeJson(ctx.stdout, report);
    else {
      for (const c of report.checks) {
        ctx.stdout.write(`${c.ok ? ' ok ' : 'FAIL'}  ${c.name.padEnd(10)} ${c.detail}\n`);
        if (!c.ok && c.fix) ctx.stdout.write(`      fix: ${c.fix}\n`);
      }
      ctx.stdout.write(report.ok ? '\nAll checks passed.\n' : `\n${report.checks.filter((c) => !c.ok).length} check(s) failed.\n`);
    }
    return report.ok ? 0 : 1;
  },
};
