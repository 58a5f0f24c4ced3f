// Unpairing from the app stops forwarding at once: the engine forgets its access token, receipts after it stay pending.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appWorld, hasKeyring, receiptSpec, startEngine, waitFor, type AppWorld } from './fixture.js';
import { lacks } from '../support/platform.js';

describe.runIf(hasKeyring && !lacks('ptys', 'the unpair tests (their till is a pty)'))('unpair', () => {
  let world: AppWorld;
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;

  beforeEach(async () => {
    world = await appWorld({ sandbox: { autoApprove: true } });
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await world.close();
  });

  it('after pairing.unpair the status says not paired and a new receipt is kept, not sent', async () => {
    engine = await startEngine(world);
    const { api, bridge } = engine;
    await api.invoke('pairing.start', {});
    await waitFor(async () => ((await api.invoke('pairing.status', {})) as { state: string }).state === 'approved', 10_000, 'pairing approved');
    await world.print(receiptSpec(1, 'UNP-0001'));
    await waitFor(() => bridge.status().outbox.counts.accepted === 1, 15_000, 'the first receipt accepted');
    expect(bridge.status().cloud.paired).toBe(true);

    await api.invoke('pairing.unpair', {});
    expect(bridge.status().cloud.paired).toBe(false);
    const requestsBefore = world.sandbox.state.counters.batch_requests;

    await world.print(receiptSpec(2, 'UNP-0002'));
    await waitFor(() => bridge.status().outbox.counts.pending === 1, 10_000, 'the second receipt stored as pending');
    await new Promise((r) => setTimeout(r, 1000));
    expect(world.sandbox.state.counters.batch_requests).toBe(requestsBefore);
    expect(bridge.status().outbox.counts).toMatchObject({ accepted: 1, pending: 1 });
  });
});
