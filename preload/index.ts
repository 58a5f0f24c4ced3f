// The sandboxed preload: exposes window.taxpoynt (the BridgeApi of preload/api.ts) over ipcRenderer, nothing else.
// Sandboxed preloads run as plain scripts with a `require` for 'electron' only (no ES modules), so this file has no
// import statements; the build emits it as dist/preload/index.js and scripts/postbuild.mjs makes the index.cjs the window loads.
declare const require: (id: 'electron') => typeof import('electron');
type PreloadApi = import('./api.js').BridgeApi;
type PreloadEnvelope = import('./api.js').Envelope<unknown>;

{
  const { contextBridge, ipcRenderer } = require('electron');
  /** Same values as IPC_PREFIX, IPC_EVENT_CHANNEL and API_GLOBAL in preload/api.ts (a test keeps them equal). */
  const PREFIX = 'bridge:';
  const EVENT_CHANNEL = 'bridge:event';
  const GLOBAL = 'taxpoynt';
  const NAME = /^[a-z]+(\.[a-zA-Z]+)?$/;

  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  ipcRenderer.on(EVENT_CHANNEL, (_event, message: { event: string; payload: unknown }) => {
    for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
  });

  const api = {
    async invoke(channel: string, input: unknown): Promise<unknown> {
      if (typeof channel !== 'string' || !NAME.test(channel)) throw { name: 'BridgeApiError', code: 'unknown_channel', message: `There is no request called "${String(channel)}".`, field: 'channel' };
      const answer = (await ipcRenderer.invoke(PREFIX + channel, input)) as PreloadEnvelope;
      // A plain object crosses the context bridge with its fields; an Error would keep only its message.
      if (!answer.ok) throw { name: 'BridgeApiError', ...answer.error };
      return answer.value;
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (typeof listener !== 'function') return () => undefined;
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
  };
  contextBridge.exposeInMainWorld(GLOBAL, api as unknown as PreloadApi);
}
