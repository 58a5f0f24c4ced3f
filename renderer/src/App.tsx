// The window: a sidebar of screens, the overall state in the header, and the screen chosen by the URL hash.
import { lazy, Suspense, useEffect, useState } from 'react';
import { Activity, Cpu, FileText, Link2, Pause, Play, RefreshCw, Settings as SettingsIcon, Stethoscope, SlidersHorizontal } from 'lucide-react';
import { Badge, Button, Loading, ToastProvider, cx, useToast } from './components/ui';
import { OVERALL } from './format';
import { StatusProvider, useStatus } from './status-context';
import { call, type RequestError } from './bridge';
import { StatusScreen } from './screens/StatusScreen';
// Status paints first; the other screens load when first opened (each a small chunk from 'self').
const PairingScreen = lazy(() => import('./screens/PairingScreen').then((m) => ({ default: m.PairingScreen })));
const DevicesScreen = lazy(() => import('./screens/DevicesScreen').then((m) => ({ default: m.DevicesScreen })));
const ReceiptsScreen = lazy(() => import('./screens/ReceiptsScreen').then((m) => ({ default: m.ReceiptsScreen })));
const ProfilesScreen = lazy(() => import('./screens/ProfilesScreen').then((m) => ({ default: m.ProfilesScreen })));
const SettingsScreen = lazy(() => import('./screens/SettingsScreen').then((m) => ({ default: m.SettingsScreen })));
const DiagnosticsScreen = lazy(() => import('./screens/DiagnosticsScreen').then((m) => ({ default: m.DiagnosticsScreen })));

const SCREENS = [
  { id: 'status', label: 'Status', icon: Activity, Screen: StatusScreen },
  { id: 'pairing', label: 'Pairing', icon: Link2, Screen: PairingScreen },
  { id: 'devices', label: 'Devices', icon: Cpu, Screen: DevicesScreen },
  { id: 'receipts', label: 'Receipts', icon: FileText, Screen: ReceiptsScreen },
  { id: 'profiles', label: 'Profiles', icon: SlidersHorizontal, Screen: ProfilesScreen },
  { id: 'settings', label: 'Settings', icon: SettingsIcon, Screen: SettingsScreen },
  { id: 'diagnostics', label: 'Diagnostics', icon: Stethoscope, Screen: DiagnosticsScreen },
] as const;
type ScreenId = (typeof SCREENS)[number]['id'];


function screenFromHash(): ScreenId {
  const id = location.hash.replace(/^#\/?/, '').split('?')[0];
  return (SCREENS.find((s) => s.id === id)?.id ?? 'status') as ScreenId;
}

export function App() {
  return (
    <ToastProvider>
      <StatusProvider>
        <Shell />
      </StatusProvider>
    </ToastProvider>
  );
}

function Shell() {
  const [screen, setScreen] = useState<ScreenId>(screenFromHash);
  useEffect(() => {
    const on = () => setScreen(screenFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const current = SCREENS.find((s) => s.id === screen)!;
  const { Screen } = current;
  return (
    <div className="flex h-full min-h-0">
      <nav aria-label="Screens" className="flex w-16 shrink-0 flex-col border-r border-slate-200 bg-white lg:w-56">
        <div className="flex h-14 items-center gap-2 border-b border-slate-200 px-3">
          <span aria-hidden className="flex size-9 items-center justify-center rounded-md bg-brand text-base font-bold text-white">T</span>
          <span className="hidden leading-tight lg:block">
            <span className="block text-sm font-bold text-slate-900">TaxPoynt</span>
            <span className="block text-xs text-slate-600">POS Bridge</span>
          </span>
        </div>
        <ul className="flex flex-1 flex-col gap-1 p-2">
          {SCREENS.map((s) => {
            const Icon = s.icon;
            const active = s.id === screen;
            return (
              <li key={s.id}>
                <a
                  href={`#/${s.id}`}
                  aria-current={active ? 'page' : undefined}
                  aria-label={s.label}
                  className={cx('flex h-11 items-center gap-3 rounded-md px-3 text-sm font-medium', active ? 'bg-brand-soft text-brand-dark' : 'text-slate-700 hover:bg-slate-100')}
                >
                  <Icon className="size-5 shrink-0" aria-hidden />
                  <span className="hidden lg:inline">{s.label}</span>
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <Header title={current.label} />
        <main id="main" aria-labelledby="screen-title" className="min-h-0 flex-1 overflow-auto p-4 lg:p-6">
          <Suspense fallback={<Loading what={current.label.toLowerCase()} />}>
            <Screen />
          </Suspense>
        </main>
      </div>
    </div>
  );
}

function Header({ title }: { title: string }) {
  const { status } = useStatus();
  const toast = useToast();
  const [busy, setBusy] = useState<'pause' | 'sync' | null>(null);
  const run = async (what: 'pause' | 'sync') => {
    setBusy(what);
    try {
      if (what === 'sync') {
        const r = await call('sync.now', {});
        toast('info', r.pending ? `Sending ${r.pending} waiting receipt${r.pending === 1 ? '' : 's'} now.` : 'Nothing is waiting to be sent.');
      } else if (status?.capturePaused) {
        await call('capture.resume', {});
        toast('success', 'Capture resumed: receipts are being read again.');
      } else {
        await call('capture.pause', {});
        toast('warning', 'Capture paused: printing still works, but receipts are not being read.');
      }
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setBusy(null);
    }
  };
  const overall = status ? OVERALL[status.state] : undefined;
  return (
    <header className="flex h-14 shrink-0 items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 lg:px-6">
      <div className="flex min-w-0 items-center gap-3">
        <h1 id="screen-title" className="truncate text-xl font-semibold text-slate-900">
          {title}
        </h1>
        {overall && (
          <Badge tone={overall.tone} className="text-sm">
            <span data-testid="overall-state">{overall.label}</span>
          </Badge>
        )}
      </div>
      <div className="flex items-center gap-2">
        <Button variant="outline" size="sm" onClick={() => void run('sync')} busy={busy === 'sync'} disabled={!status?.cloud.paired}>
          <RefreshCw className="size-4" aria-hidden />
          <span className="hidden md:inline">Sync now</span>
          <span className="sr-only md:hidden">Sync now</span>
        </Button>
        <Button variant="outline" size="sm" onClick={() => void run('pause')} busy={busy === 'pause'} disabled={!status}>
          {status?.capturePaused ? <Play className="size-4" aria-hidden /> : <Pause className="size-4" aria-hidden />}
          <span className="hidden md:inline">{status?.capturePaused ? 'Resume capture' : 'Pause capture'}</span>
          <span className="sr-only md:hidden">{status?.capturePaused ? 'Resume capture' : 'Pause capture'}</span>
        </Button>
      </div>
    </header>
  );
}
