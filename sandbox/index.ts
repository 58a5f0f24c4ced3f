// The sandbox's surface: the TaxPoynt cloud on 127.0.0.1 with fault injection (see server.ts), for the demo and the tests.
export { startSandbox, DEFAULT_REMOTE_CONFIG, type Sandbox, type SandboxFaults, type SandboxOptions, type SandboxState } from './server.js';
