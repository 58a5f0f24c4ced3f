// Pairing: the user code large, the link and its QR code, a countdown, then the merchant's name and TIN; denied and expired say what to do; unpair asks first.
import { useCallback, useEffect, useState } from 'react';
import { BadgeCheck, Clock, ExternalLink, Link2, Unlink, XCircle } from 'lucide-react';
import type { PairingView } from '../../../preload/api';
import { call, subscribe, useRequest, type RequestError } from '../bridge';
import { Button, Card, CardBody, CardHeader, Dialog, ErrorState, Loading, useToast } from '../components/ui';
import { QrCode } from '../components/qr';
import { useStatus } from '../status-context';
import { duration } from '../format';

export function PairingScreen() {
  const initial = useRequest('pairing.status', {});
  const { status, refresh } = useStatus();
  const [pairing, setPairing] = useState<PairingView>();
  const [busy, setBusy] = useState(false);
  const [confirmUnpair, setConfirmUnpair] = useState(false);
  // The unpair answer is authoritative: the status catches up on its own schedule.
  const [unpaired, setUnpaired] = useState(false);
  const toast = useToast();
  useEffect(() => {
    if (initial.data) setPairing(initial.data);
  }, [initial.data]);
  useEffect(() => subscribe('pairing', (p) => setPairing(p)), []);
  const waiting = pairing?.state === 'waiting' || pairing?.state === 'starting';
  // While waiting, ask as well: an event can be missed while the engine restarts.
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => call('pairing.status', {}).then(setPairing, () => undefined), 2000);
    return () => clearInterval(t);
  }, [waiting]);
  useEffect(() => {
    if (pairing?.state === 'approved') refresh();
  }, [pairing?.state, refresh]);

  const fail = useCallback((e: unknown) => toast('error', (e as RequestError).message), [toast]);
  const start = async () => {
    setBusy(true);
    setUnpaired(false);
    try {
      setPairing(await call('pairing.start', {}));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    try {
      setPairing(await call('pairing.cancel', {}));
    } catch (e) {
      fail(e);
    }
  };
  const unpair = async () => {
    setBusy(true);
    try {
      const r = await call('pairing.unpair', {});
      setConfirmUnpair(false);
      setUnpaired(true);
      toast(r.revoked ? 'success' : 'warning', r.revoked ? 'Unpaired: this computer no longer sends receipts.' : 'Unpaired here; TaxPoynt could not be told, so revoke the device in your dashboard too.');
      refresh();
      setPairing(await call('pairing.status', {}));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  if (initial.error && !pairing) return <ErrorState error={initial.error} onRetry={initial.reload} />;
  if (!pairing || !status) return <Loading what="pairing" />;

  const business = status.cloud.paired && !unpaired ? status.cloud.business : null;
  if (business && !waiting) {
    return (
      <div className="mx-auto flex max-w-2xl flex-col gap-4">
        <Card variant="success" aria-labelledby="paired-title">
          <CardHeader id="paired-title" title="Paired with TaxPoynt" icon={<BadgeCheck className="size-6 text-brand" aria-hidden />} />
          <CardBody>
            <p className="text-sm text-slate-600">Receipts from this till are sent to:</p>
            <p className="mt-1 text-3xl font-bold text-slate-900" data-testid="paired-merchant">
              {business.name}
            </p>
            <p className="mt-1 text-lg text-slate-700">
              TIN <span className="font-mono" data-testid="paired-tin">{business.tin}</span>
              {business.location ? ` · ${business.location}` : ''}
            </p>
            <div className="mt-4">
              <Button variant="outline" onClick={() => setConfirmUnpair(true)}>
                <Unlink className="size-4" aria-hidden /> Unpair this computer
              </Button>
            </div>
          </CardBody>
        </Card>
        <Dialog
          open={confirmUnpair}
          title="Unpair this computer?"
          description={`Receipts will stop going to ${business.name}. Those already captured stay here and are sent if you pair again.`}
          onClose={() => setConfirmUnpair(false)}
          footer={
            <>
              <Button variant="outline" onClick={() => setConfirmUnpair(false)}>
                Keep paired
              </Button>
              <Button variant="danger" onClick={() => void unpair()} busy={busy}>
                Unpair
              </Button>
            </>
          }
        />
      </div>
    );
  }

  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-4">
      {waiting && pairing.userCode ? (
        <WaitingCard pairing={pairing} onCancel={() => void cancel()} />
      ) : (
        <Card variant="platform" aria-labelledby="pair-title">
          <CardHeader id="pair-title" title="Pair this computer with your TaxPoynt account" icon={<Link2 className="size-5 text-cyan-700" aria-hidden />} />
          <CardBody className="flex flex-col gap-3">
            {status.cloud.state === 'pairing_lost' && pairing.state === 'idle' && <LostNotice business={status.cloud.business?.name ?? null} waiting={status.outbox.pending} />}
            <Outcome pairing={pairing} />
            <p className="text-base text-slate-700">Pairing lets this till send its receipts to TaxPoynt, which registers them with FIRS. You will get a short code to approve on your phone or computer.</p>
            <div>
              <Button size="lg" onClick={() => void start()} busy={busy || pairing.state === 'starting'}>
                {pairing.state === 'denied' || pairing.state === 'expired' || pairing.state === 'failed' ? 'Start again' : status.cloud.state === 'pairing_lost' ? 'Pair again' : 'Start pairing'}
              </Button>
            </div>
          </CardBody>
        </Card>
      )}
    </div>
  );
}

/** The cloud refused the old pairing: pairing again is all it takes, and what waited goes out once it is approved. */
function LostNotice({ business, waiting }: { business: string | null; waiting: number }) {
  return (
    <div role="alert" className="flex items-start gap-2 rounded-md border border-red-300 bg-red-50 p-3 text-red-950" data-testid="pairing-lost">
      <Unlink className="mt-0.5 size-5 shrink-0" aria-hidden />
      <p>
        Pairing lost: TaxPoynt no longer accepts this computer{business ? ` for ${business}` : ''} (it was revoked in the dashboard, or the pairing expired). Pair again
        below{waiting > 0 ? `; the ${waiting} receipt${waiting === 1 ? '' : 's'} kept meanwhile go out once the new pairing is approved` : ''}.
      </p>
    </div>
  );
}

function Outcome({ pairing }: { pairing: PairingView }) {
  const text: Partial<Record<PairingView['state'], string>> = {
    denied: 'The pairing request was declined in TaxPoynt. If that was a mistake, start again and approve the new code.',
    expired: 'The code expired before it was approved. Start again to get a new code; it lasts about 10 minutes.',
    failed: 'Pairing could not finish. Check the internet connection, then start again.',
    cancelled: 'Pairing was cancelled.',
  };
  const message = pairing.message ?? text[pairing.state];
  if (!message || pairing.state === 'idle' || pairing.state === 'approved') return null;
  return (
    <div role="alert" className="flex items-start gap-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-950" data-testid="pairing-outcome">
      <XCircle className="mt-0.5 size-5 shrink-0" aria-hidden />
      <p>{message}</p>
    </div>
  );
}

function WaitingCard({ pairing, onCancel }: { pairing: PairingView; onCancel: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = pairing.expiresAt ? Math.max(0, (new Date(pairing.expiresAt).getTime() - now) / 1000) : null;
  const link = pairing.verificationUriComplete ?? pairing.verificationUri ?? '';
  return (
    <Card variant="platform" aria-labelledby="code-title">
      <CardHeader id="code-title" title="Approve this code in TaxPoynt" icon={<Link2 className="size-5 text-cyan-700" aria-hidden />} />
      <CardBody className="flex flex-col gap-6 md:flex-row md:items-center">
        <div className="flex flex-1 flex-col gap-3">
          <p className="text-sm text-slate-600">Your code</p>
          <p className="font-mono text-5xl font-bold tracking-widest text-slate-900" data-testid="user-code" aria-live="polite">
            {pairing.userCode}
          </p>
          <p className="text-base text-slate-700">
            Open{' '}
            <a href={link} target="_blank" rel="noreferrer noopener" className="inline-flex items-center gap-1 font-medium break-all text-cyan-800 underline">
              {pairing.verificationUri ?? link}
              <ExternalLink className="size-4" aria-hidden />
            </a>{' '}
            or scan the QR code, sign in and approve the code.
          </p>
          {left !== null && (
            <p className="flex items-center gap-2 text-base text-slate-700" data-testid="countdown">
              <Clock className="size-5" aria-hidden /> {left > 0 ? `Expires in ${duration(left)}` : 'Expired'}
            </p>
          )}
          <p role="status" className="text-sm text-slate-600">Waiting for approval…</p>
          <div>
            <Button variant="outline" onClick={onCancel}>
              Cancel
            </Button>
          </div>
        </div>
        <div className="flex justify-center">
          <QrCode matrix={pairing.qr} value={link} size={200} label={`QR code for ${pairing.verificationUri ?? 'the pairing link'}`} />
        </div>
      </CardBody>
    </Card>
  );
}
