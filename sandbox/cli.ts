// `npm run sandbox`: the TaxPoynt cloud on 127.0.0.1, with faults chosen by flags, until Ctrl-C.
import { parseArgs } from 'node:util';
import { scaledClock } from '../main/cloud/clock.js';
import { startSandbox, type SandboxFaults } from './server.js';

const usage = `usage: npm run sandbox -- [--port 8787] [--state FILE] [--interval S] [--auto-approve]
  [--rate-limit N/W]     N batch requests per W seconds (429 with Retry-After and RateLimit headers)
  [--retry-after-date]   Retry-After as an HTTP-date instead of seconds
  [--fail-5xx-rate P]    each batch answers 503 with probability P
  [--reset-rate P]       each batch is committed, then the connection cut mid-answer, with probability P
  [--hold-rate P]        each batch is held open, never answered, with probability P
  [--delay-ms MS]        every batch answer waits MS
  [--token-ttl S]        access tokens live S seconds
  [--clock-skew S]       the sandbox clock runs S seconds ahead (Date header, signature check)
  [--max-batch N]        batches over N transactions answer 413
  [--reject-rate P]      each transaction is rejected with probability P
  [--kill-switch]        batches answer 403 agent_disabled
  [--legacy-errors]      errors in the platform's legacy envelope, X-RateLimit-* headers
  [--updates DIR]        serve update feeds from DIR at /updates/<channel>/latest*.yml
  [--faults JSON]        any SandboxFaults as JSON (merged last)
  [--seed N]
  [--time-scale K --time-origin MS]   run the sandbox clock K times faster from MS (benches share one scaled clock)`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    state: { type: 'string' },
    interval: { type: 'string' },
    'auto-approve': { type: 'boolean' },
    'rate-limit': { type: 'string' },
    'retry-after-date': { type: 'boolean' },
    'fail-5xx-rate': { type: 'string' },
    'reset-rate': { type: 'string' },
    'hold-rate': { type: 'string' },
    'delay-ms': { type: 'string' },
    'token-ttl': { type: 'string' },
    'clock-skew': { type: 'string' },
    'max-batch': { type: 'string' },
    'reject-rate': { type: 'string' },
    'kill-switch': { type: 'boolean' },
    'legacy-errors': { type: 'boolean' },
    faults: { type: 'string' },
    updates: { type: 'string' },
    seed: { type: 'string' },
    'time-scale': { type: 'string' },
    'time-origin': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const faults: SandboxFaults = {};
if (values['rate-limit']) {
  const [n, w] = values['rate-limit'].split('/').map(Number);
  faults.rateLimit = { limit: n!, windowS: w ?? 60 };
}
if (values['retry-after-date']) faults.retryAfterForm = 'date';
faults.fail5xxRate = num(values['fail-5xx-rate']);
faults.resetRate = num(values['reset-rate']);
faults.holdRate = num(values['hold-rate']);
faults.delayMs = num(values['delay-ms']);
faults.tokenTtlS = num(values['token-ttl']);
faults.clockSkewS = num(values['clock-skew']);
faults.maxBatchItems = num(values['max-batch']);
faults.rejectRate = num(values['reject-rate']);
faults.agentDisabled = values['kill-switch'];
faults.legacyErrors = values['legacy-errors'];
if (values.faults) Object.assign(faults, JSON.parse(values.faults) as SandboxFaults);
for (const key of Object.keys(faults) as Array<keyof SandboxFaults>) if (faults[key] === undefined) delete faults[key];

const sandbox = await startSandbox({
  port: Number(values.port),
  statePath: values.state,
  pollIntervalS: num(values.interval),
  autoApprove: values['auto-approve'],
  seed: num(values.seed),
  clock: values['time-scale'] ? scaledClock(Number(values['time-scale']), num(values['time-origin'])) : undefined,
  faults,
  updatesRoot: values.updates,
});
console.log(`TaxPoynt sandbox on ${sandbox.url}
  approve pairings at ${sandbox.url}/device
  state:  GET  ${sandbox.url}/sandbox/state
  faults: POST ${sandbox.url}/sandbox/faults  (JSON)   now: ${JSON.stringify(sandbox.faults)}
  revoke: POST ${sandbox.url}/sandbox/agents/revoke  {"agent_id": "agt_…"} (or {} for every agent), as the dashboard does
  point the bridge at it: TAXPOYNT_BRIDGE_CLOUD_URL=${sandbox.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
