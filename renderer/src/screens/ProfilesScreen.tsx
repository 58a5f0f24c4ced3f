// Profiles: edit a receipt profile (JSON) with schema errors shown inline, and see live which captured receipts it parses and which it sends to review.
import { useCallback, useEffect, useId, useState } from 'react';
import { FileCode2, Save } from 'lucide-react';
import type { Output, ProfileIssue } from '../../../preload/api';
import { call, useRequest, type RequestError } from '../bridge';
import { Badge, Button, Card, CardBody, CardHeader, Empty, ErrorState, Field, Input, Loading, Table, useToast } from '../components/ui';
import { STATE_LABEL, STATE_TONE, money } from '../format';

type TryResult = Output<'profiles.try'>;

export function ProfilesScreen() {
  const list = useRequest('profiles.list', {});
  const [current, setCurrent] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [loadError, setLoadError] = useState<RequestError>();
  const [issues, setIssues] = useState<ProfileIssue[]>([]);
  const [tried, setTried] = useState<TryResult>();
  const [trying, setTrying] = useState(false);
  const [saving, setSaving] = useState(false);
  const toast = useToast();
  const editorId = useId();

  const load = useCallback(async (profile: string) => {
    setCurrent(profile);
    try {
      const p = await call('profiles.get', { name: profile });
      setText(p.text);
      setName(p.source === 'user' ? p.name : suggestName(p.name));
      setLoadError(undefined);
    } catch (e) {
      setLoadError(e as RequestError);
    }
  }, []);
  useEffect(() => {
    const first = list.data?.profiles.find((p) => p.usedBy.length > 0) ?? list.data?.profiles[0];
    if (first && current === null) void load(first.name);
  }, [list.data, current, load]);

  // Live preview: try the text on captured receipts half a second after typing stops.
  useEffect(() => {
    if (!text) return;
    let live = true;
    const t = setTimeout(() => {
      setTrying(true);
      const local = localIssues(text);
      if (local.length) {
        setIssues(local);
        setTrying(false);
        return;
      }
      call('profiles.try', { text, limit: 50 }).then(
        (r) => {
          if (!live) return;
          setTried(r);
          setIssues(r.issues);
          setTrying(false);
        },
        (e: RequestError) => {
          if (!live) return;
          setIssues([{ path: e.field ?? '', message: e.message }]);
          setTrying(false);
        },
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text]);

  const save = async () => {
    setSaving(true);
    try {
      const r = await call('profiles.save', { name, text });
      if (r.saved) {
        toast('success', `Saved ${r.name}. Choose it for a device, or reprocess held receipts with it.`);
        setCurrent(r.name);
        list.reload();
      } else {
        setIssues(r.issues);
        toast('error', 'Not saved: fix the problems shown under the editor.');
      }
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setSaving(false);
    }
  };

  if (list.error && !list.data) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading what="profiles" />;
  const parsed = tried?.results.filter((r) => r.after === 'pending').length ?? 0;
  const held = (tried?.results.length ?? 0) - parsed;

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[14rem_minmax(0,1fr)]">
      <Card variant="platform" aria-labelledby="profiles-title">
        <CardHeader id="profiles-title" title="Profiles" icon={<FileCode2 className="size-5 text-cyan-700" aria-hidden />} />
        <CardBody>
          {list.data.profiles.length === 0 ? (
            <Empty title="No profiles">The built-in profiles are missing: reinstall the bridge.</Empty>
          ) : (
            <ul className="flex flex-col gap-1">
              {list.data.profiles.map((p) => (
                <li key={p.name}>
                  <button
                    type="button"
                    aria-current={current === p.name ? 'true' : undefined}
                    onClick={() => void load(p.name)}
                    className={`w-full rounded-md px-2 py-1.5 text-left text-sm ${current === p.name ? 'bg-cyan-50 font-semibold text-cyan-950 ring-1 ring-cyan-500' : 'hover:bg-slate-100'}`}
                  >
                    <span className="block font-mono">{p.name}</span>
                    <span className="block text-xs text-slate-600">
                      {p.source === 'builtin' ? 'Built in' : 'Yours'}
                      {p.usedBy.length ? ` · used by ${p.usedBy.join(', ')}` : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </CardBody>
      </Card>

      <div className="grid min-w-0 grid-cols-1 items-start gap-4 xl:grid-cols-2">
        <Card variant="platform" aria-labelledby="editor-title">
          <CardHeader
            id="editor-title"
            title="Edit profile"
            action={
              <Button onClick={() => void save()} busy={saving} disabled={!name || issues.length > 0} aria-label={`Save as ${name}`}>
                <Save className="size-4" aria-hidden /> Save
              </Button>
            }
          />
          <CardBody className="flex flex-col gap-3">
            {loadError && <ErrorState error={loadError} onRetry={() => current && void load(current)} />}
            <Field label="Save as (name@version)" hint="Built-in profiles cannot be changed: save your version under a new name.">
              {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} className="max-w-xs font-mono" />}
            </Field>
            <div className="flex flex-col gap-1">
              <label htmlFor={editorId} className="text-sm font-medium text-slate-800">
                Profile (JSON)
              </label>
              <textarea
                id={editorId}
                value={text}
                onChange={(e) => setText(e.target.value)}
                spellCheck={false}
                aria-invalid={issues.length > 0 || undefined}
                aria-describedby={`${editorId}-issues`}
                rows={16}
                className="w-full rounded-md border border-slate-300 bg-slate-950 p-3 font-mono text-[13px] leading-5 text-slate-100 aria-[invalid=true]:border-red-600"
                data-testid="profile-editor"
              />
              <div id={`${editorId}-issues`} aria-live="polite">
                {issues.length > 0 ? (
                  <ul className="flex flex-col gap-1 rounded-md border border-red-200 bg-red-50 p-2" data-testid="profile-issues">
                    {issues.map((i, k) => (
                      <li key={k} className="text-sm text-red-800">
                        {i.path && <span className="font-mono font-semibold">{i.path}: </span>}
                        {i.message}
                      </li>
                    ))}
                  </ul>
                ) : (
                  text && !trying && <p className="text-sm text-emerald-800">The profile is valid.</p>
                )}
              </div>
            </div>
          </CardBody>
        </Card>

        <Card variant="platform" aria-labelledby="try-title">
          <CardHeader id="try-title" title="Tried on captured receipts" action={tried && <span className="text-sm text-slate-700">{parsed} parse · {held} to review</span>} />
          <CardBody>
            {trying && !tried ? (
              <Loading what="the preview" />
            ) : !tried || tried.results.length === 0 ? (
              <Empty title="No captured receipts to try it on">Once the till prints, the last receipts show here with what this profile makes of them.</Empty>
            ) : (
              <div className="max-h-[28rem] overflow-auto" data-testid="profile-try" tabIndex={0} role="region" aria-label="Results of trying the profile">
                <Table
                  caption="What this profile makes of captured receipts"
                  head={['Receipt', 'Now', 'With this profile', 'Total', 'Why']}
                  rows={tried.results.map((r) => [
                    <span className="font-mono">{r.receiptNumber ?? r.id.slice(0, 12)}</span>,
                    r.before ? <Badge tone={STATE_TONE[r.before]}>{STATE_LABEL[r.before]}</Badge> : '—',
                    <Badge tone={r.after === 'pending' ? 'green' : STATE_TONE[r.after]}>{r.after === 'pending' ? 'Parses' : STATE_LABEL[r.after]}</Badge>,
                    <span className="tabular-nums">{money(r.total)}</span>,
                    r.problems.map((p) => p.message).join('; ') || '—',
                  ])}
                />
              </div>
            )}
          </CardBody>
        </Card>
      </div>
    </div>
  );
}

function suggestName(builtin: string): string {
  const [base] = builtin.split('@');
  return `${base}-shop@1`;
}

/** JSON syntax errors are found here, before asking the engine, with the line they are on. */
function localIssues(text: string): ProfileIssue[] {
  try {
    JSON.parse(text);
    return [];
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : null;
    return [{ path: line ? `line ${line}` : '', message: `Not valid JSON: ${(e as Error).message}` }];
  }
}
