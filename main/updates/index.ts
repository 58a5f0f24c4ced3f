// Remote updates: policy (channel, pin, window, health), electron-updater in plain Node, and the update loop.
export {
  CHANNELS,
  CHECK_INTERVAL_MS,
  DEFAULT_INSTALL_WINDOW,
  FIRST_CHECK_MAX_DELAY_MS,
  HEALTH_DEADLINE_MS,
  InstallWindowError,
  InvalidPinError,
  RECEIPT_QUIET_MS,
  UNHEALTHY_LIMIT,
  allowDowngradeFor,
  feedUrlFor,
  firstCheckDelayMs,
  inInstallWindow,
  installDecision,
  parseInstallWindow,
  pinVerdict,
  resolveUpdateSettings,
  type Channel,
  type CheckReason,
  type CheckReport,
  type HealthRecord,
  type InstallDecision,
  type InstallInputs,
  type LocalUpdateConfig,
  type RemoteUpdateConfig,
  type UpdateSettings,
} from './policy.js';
export { NodeAppAdapter, UPDATER_CACHE_DIR_NAME } from './adapter.js';
export { NodeHttpExecutor } from './http.js';
export { HeadlessInstallError, HeadlessUpdater, UpdateClient, UpdateFeedError, packageExtensions, type CheckRequest, type HeadlessUpdaterOptions } from './updater.js';
export { UpdateService, readStatus, statusFile, type HeartbeatUpdate, type TillActivity, type UpdateServiceOptions, type UpdateState, type UpdateStatus } from './service.js';
