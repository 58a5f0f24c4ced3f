// The cloud stage's surface: forwarder, pairing, the HTTP client, remote config, heartbeat and the contract's schemas.
export { Forwarder, ForwarderStopped, remoteOverrides, type ForwarderOptions, type ForwarderStatus, type ForwarderAlert } from './forwarder.js';
export { pairDevice, unpair, PairingFailed, type PairOptions, type PairingCode, type UnpairOptions } from './pairing.js';
export { CloudClient, CloudUnreachable, CloudProtocolError, DEFAULT_TIMEOUTS, timeoutsOf, type Answer, type CloudClientOptions, type CloudTimeouts } from './client.js';
export { fileMemory, memoryOnly, learnedLimitsFile, LearnedLimits, type LimitsMemory } from './learned-limits.js';
export { CloudSession, NotPaired, PairingLost, SECRET_NAMES, readAgent, readPairing, pairingLostMessage, type PairingRecord } from './session.js';
export { RemoteConfigPoller, REMOTE_CONFIG_POLL_MS } from './remote-config.js';
export { HeartbeatSender, ApiWindow, type HeartbeatFigures } from './heartbeat.js';
export { systemClock, scaledClock, type Clock, type Random } from './clock.js';
export type { BatchLimits } from './batcher.js';
export type { BreakerState } from './breaker.js';
export * from './contract.js';
