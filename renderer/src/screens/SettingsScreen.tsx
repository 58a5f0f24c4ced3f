// Settings: the whitelisted keys (update channel, start at login, pause capture, log level), each saved as it changes; the update loop's state and "Restart to update".
import { useId, useState } from 'react';
import type { SettingChange, Settings, UpdateView } from '../../../preload/api';
import { call, useRequest, type RequestError } from '../bridge';
import { Button, Card, CardBody, CardHeader, ErrorState, Field, Loading, Select, useToast } from '../components/ui';
import { when } from '../format';
import { useStatus } from '../status-context';
import { Settings as SettingsIcon } from 'lucide-react';

export function SettingsScreen() {
  const q = useRequest('settings.get', {});
  const [saving, setSaving] = useState<string | null>(null);
  const toast = useToast();
  const change = async (c: SettingChange) => {
    setSaving(c.key);
    try {
      q.set(await call('settings.set', c));
      toast('success', 'Saved.');
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setSaving(null);
    }
  };
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading what="settings" />;
  const s: Settings = q.data;
  return (
    <Card variant="platform" className="max-w-2xl" aria-labelledby="settings-title">
      <CardHeader id="settings-title" title="Settings" icon={<SettingsIcon className="size-5 text-cyan-700" aria-hidden />} />
      <CardBody className="flex flex-col gap-5">
        <Toggle label="Start when this computer starts" hint="Recommended: receipts are only captured while the bridge runs." checked={s.startAtLogin} busy={saving === 'startAtLogin'} onChange={(v) => void change({ key: 'startAtLogin', value: v })} />
        <Toggle label="Pause capture" hint="While paused, printing still works but receipts are not read or sent." checked={s.capturePaused} busy={saving === 'capturePaused'} onChange={(v) => void change({ key: 'capturePaused', value: v })} />
        <Field label="Update channel" hint="Stable is right for most shops; pilot gets fixes first.">
          {(p) => (
            <Select {...p} value={s.updateChannel} disabled={saving === 'updateChannel'} onChange={(e) => void change({ key: 'updateChannel', value: e.target.value as Settings['updateChannel'] })} className="max-w-xs">
              <option value="stable">Stable</option>
              <option value="beta">Beta</option>
              <option value="pilot">Pilot</option>
            </Select>
          )}
        </Field>
        <Field label="Log detail" hint="Support may ask for 'debug' while looking into a problem. Logs never hold receipt text or secrets.">
          {(p) => (
            <Select {...p} value={s.logLevel} disabled={saving === 'logLevel'} onChange={(e) => void change({ key: 'logLevel', value: e.target.value as Settings['logLevel'] })} className="max-w-xs">
              <option value="error">Errors only</option>
              <option value="warn">Warnings</option>
              <option value="info">Normal</option>
              <option value="debug">Debug</option>
            </Select>
          )}
        </Field>
        <UpdateSection />
      </CardBody>
    </Card>
  );
}

const UPDATE_STATE: Record<UpdateView['state'], string> = {
  idle: 'No update to install',
  checking: 'Checking for updates…',
  downloading: 'Downloading an update…',
  downloaded: 'An update is ready',
  installing: 'Restarting to update…',
  error: 'The last update step failed',
  unhealthy: 'This version did not start cleanly',
};

/** The running version, the channel, the last check and its result; "Restart to update to X" once a version is downloaded. */
function UpdateSection() {
  const { status, refresh } = useStatus();
  const [busy, setBusy] = useState<'check' | 'install' | null>(null);
  const toast = useToast();
  const u = status?.update;
  const act = async (what: 'check' | 'install') => {
    setBusy(what);
    try {
      if (what === 'check') {
        const r = await call('update.check', {});
        toast(r.update?.lastError ? 'error' : 'success', r.update?.lastCheckResult ?? 'Checked.');
      } else {
        const r = await call('update.install', {});
        toast(r.installing ? 'success' : 'error', r.installing ? `Restarting to update to ${r.version}…` : 'There is no downloaded update to install yet.');
      }
      refresh();
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section aria-labelledby="updates-title" className="flex flex-col gap-2 border-t border-slate-200 pt-4">
      <h3 id="updates-title" className="text-sm font-medium text-slate-900">
        Updates
      </h3>
      {!u ? (
        <p className="text-xs text-slate-600">Version {status?.version ?? '—'}. Automatic updates are off for this bridge.</p>
      ) : (
        <>
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-600">Running version</dt>
            <dd data-testid="update-current">{u.current}</dd>
            <dt className="text-slate-600">Channel</dt>
            <dd>{u.channel}</dd>
            <dt className="text-slate-600">State</dt>
            <dd>{u.state === 'idle' && !u.lastCheckAt ? 'Waiting for the first check' : UPDATE_STATE[u.state]}</dd>
            <dt className="text-slate-600">Last check</dt>
            <dd data-testid="update-last-check">
              {u.lastCheckAt ? when(u.lastCheckAt) : 'not yet'}
              {u.lastCheckResult ? `: ${u.lastCheckResult}` : ''}
            </dd>
            <dt className="text-slate-600">Next check</dt>
            <dd>{when(u.nextCheckAt)}</dd>
          </dl>
          {u.lastError && (
            <p role="alert" className="text-xs text-red-700">
              {u.lastError}
            </p>
          )}
          <div className="flex flex-wrap gap-2">
            {u.downloadedVersion && (
              <Button busy={busy === 'install'} disabled={u.state === 'installing'} onClick={() => void act('install')}>
                Restart to update to {u.downloadedVersion}
              </Button>
            )}
            <Button variant="outline" busy={busy === 'check'} disabled={u.state === 'checking' || u.state === 'downloading'} onClick={() => void act('check')}>
              Check now
            </Button>
          </div>
          <p className="text-xs text-slate-600">Updates download in the background and install at night when the till is quiet, or at once when you restart to update.</p>
        </>
      )}
    </section>
  );
}

function Toggle({ label, hint, checked, busy, onChange }: { label: string; hint: string; checked: boolean; busy: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="flex items-start justify-between gap-4">
      <div>
        <p className="text-sm font-medium text-slate-900" id={`${id}-l`}>
          {label}
        </p>
        <p className="text-xs text-slate-600" id={`${id}-h`}>
          {hint}
        </p>
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={checked}
        aria-labelledby={`${id}-l`}
        aria-describedby={`${id}-h`}
        aria-busy={busy || undefined}
        onClick={() => {
          if (!busy) onChange(!checked);
        }}
        className={`relative h-7 w-12 shrink-0 rounded-full transition-colors ${checked ? 'bg-brand' : 'bg-slate-400'}`}
      >
        <span className={`absolute top-1 left-0 size-5 rounded-full bg-white shadow transition-transform ${checked ? 'translate-x-6' : 'translate-x-1'}`} />
      </button>
    </div>
  );
}
