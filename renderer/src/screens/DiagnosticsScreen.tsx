// Diagnostics: the doctor's checks with a fix for each failure, and the redacted bundle to send to support.
import { useState } from 'react';
import { CheckCircle2, Download, Stethoscope, XCircle } from 'lucide-react';
import { call, useRequest, type RequestError } from '../bridge';
import { Button, Card, CardBody, CardHeader, Empty, ErrorState, Loading, useToast } from '../components/ui';

export function DiagnosticsScreen() {
  const doctor = useRequest('doctor', {});
  const [bundle, setBundle] = useState<{ path: string; bytes: number } | null>(null);
  const [exporting, setExporting] = useState(false);
  const toast = useToast();
  const exportBundle = async () => {
    setExporting(true);
    try {
      setBundle(await call('diagnostics.export', {}));
    } catch (e) {
      toast('error', (e as RequestError).message);
    } finally {
      setExporting(false);
    }
  };
  return (
    <div className="grid max-w-6xl grid-cols-1 items-start gap-4 xl:grid-cols-[minmax(0,1.4fr)_minmax(0,1fr)]">
      <Card variant="platform" aria-labelledby="doctor-title">
        <CardHeader
          id="doctor-title"
          title="Health check"
          icon={<Stethoscope className="size-5 text-cyan-700" aria-hidden />}
          action={
            <Button variant="outline" size="sm" onClick={doctor.reload} busy={doctor.loading}>
              Run again
            </Button>
          }
        />
        <CardBody>
          {doctor.error ? (
            <ErrorState error={doctor.error} onRetry={doctor.reload} />
          ) : !doctor.data ? (
            <Loading what="the health check" />
          ) : doctor.data.checks.length === 0 ? (
            <Empty title="No checks ran" />
          ) : (
            <>
              <p className={`mb-3 text-base font-semibold ${doctor.data.ok ? 'text-emerald-800' : 'text-red-800'}`} data-testid="doctor-summary">
                {doctor.data.ok ? 'Everything checks out.' : `${doctor.data.checks.filter((c) => !c.ok).length} check(s) need attention.`}
              </p>
              <ul className="flex flex-col divide-y divide-slate-100">
                {doctor.data.checks.map((c) => (
                  <li key={c.name} className="flex items-start gap-3 py-2">
                    {c.ok ? <CheckCircle2 className="mt-0.5 size-5 shrink-0 text-brand" aria-label="passed" /> : <XCircle className="mt-0.5 size-5 shrink-0 text-red-700" aria-label="failed" />}
                    <div className="min-w-0">
                      <p className="font-medium text-slate-900">{c.name}</p>
                      <p className="text-sm break-words text-slate-700">{c.detail}</p>
                      {!c.ok && c.fix && <p className="mt-1 rounded bg-amber-50 px-2 py-1 text-sm text-amber-950">Fix: {c.fix}</p>}
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
        </CardBody>
      </Card>
      <Card variant="platform" aria-labelledby="bundle-title">
        <CardHeader id="bundle-title" title="Send to support" icon={<Download className="size-5 text-cyan-700" aria-hidden />} />
        <CardBody className="flex flex-col gap-3">
          <p className="text-sm text-slate-700">Makes one file with the bridge's settings, status and recent logs. Card numbers, keys, tokens and receipt text are removed.</p>
          <div>
            <Button onClick={() => void exportBundle()} busy={exporting}>
              <Download className="size-4" aria-hidden /> Export diagnostics
            </Button>
          </div>
          {bundle && (
            <p role="status" className="text-sm text-slate-800" data-testid="bundle-path">
              Saved {(bundle.bytes / 1024).toFixed(1)} kB to <span className="font-mono break-all">{bundle.path}</span>
            </p>
          )}
        </CardBody>
      </Card>
    </div>
  );
}
