// Settings: the whitelisted keys (update channel, start at login, pause capture, log level), each saved as it changes.
import { useId, useState } from 'react';
import type { SettingChange, Settings } from '../../../preload/api';
import { call, useRequest, type RequestError } from '../bridge';
import { Card, CardBody, CardHeader, ErrorState, Field, Loading, Select, useToast } from '../components/ui';
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
      </CardBody>
    </Card>
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
