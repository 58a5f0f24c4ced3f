// A receipt seen three ways: the thermal paper as printed, the transaction parsed from it, and its validation.
import { CheckCircle2, TriangleAlert } from 'lucide-react';
import type { ReceiptDetail } from '../../../preload/api';
import { Badge, Table } from './ui';
import { Paper } from './paper';
import { money, STATE_LABEL, STATE_TONE, when } from '../format';

interface TxLine {
  description?: string;
  quantity?: string;
  unit_price?: string;
  amount?: string;
  tax_rate?: string;
}
interface TxView {
  receipt_number?: string;
  issued_at?: string;
  document_type?: string;
  seller?: { name?: string; tin?: string };
  lines?: TxLine[];
  totals?: { subtotal?: string; discount?: string; service_charge?: string; tax?: string; tip?: string; rounding?: string; total?: string; tax_inclusive?: boolean };
  taxes?: Array<{ type?: string; rate?: string; taxable_amount?: string; amount?: string }>;
  payments?: Array<{ method?: string; amount?: string; card_last4?: string }>;
  source?: { profile?: string };
}

export function Validation({ receipt }: { receipt: ReceiptDetail }) {
  if (receipt.problems.length === 0) {
    return (
      <p className="flex items-center gap-2 text-sm font-medium text-emerald-800" data-testid="validation-ok">
        <CheckCircle2 className="size-4" aria-hidden /> Adds up: lines, VAT and total agree.
      </p>
    );
  }
  return (
    <ul className="flex flex-col gap-1" data-testid="validation-problems" aria-label="Problems found">
      {receipt.problems.map((p, i) => (
        <li key={i} className="flex items-start gap-2 text-sm text-amber-950">
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-amber-700" aria-hidden />
          <span>
            {p.message} <span className="font-mono text-xs text-slate-600">({p.field})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

export function TransactionView({ receipt }: { receipt: ReceiptDetail }) {
  const tx = receipt.transaction as TxView | null;
  if (!tx) return <p className="text-sm text-slate-600">No transaction could be read from this receipt.</p>;
  const t = tx.totals ?? {};
  return (
    <div className="flex flex-col gap-3 text-sm">
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1">
        <dt className="text-slate-600">Receipt no.</dt>
        <dd className="font-mono">{tx.receipt_number ?? '—'}</dd>
        <dt className="text-slate-600">Issued</dt>
        <dd>{tx.issued_at ? when(tx.issued_at) : '—'}</dd>
        {tx.seller?.name && (
          <>
            <dt className="text-slate-600">Seller</dt>
            <dd>{tx.seller.name}</dd>
          </>
        )}
        <dt className="text-slate-600">Type</dt>
        <dd>{tx.document_type === 'refund' ? 'Refund' : 'Sale'}</dd>
        {tx.source?.profile && (
          <>
            <dt className="text-slate-600">Profile</dt>
            <dd className="font-mono">{tx.source.profile}</dd>
          </>
        )}
      </dl>
      <Table
        caption="Items"
        head={['Item', 'Qty', 'Amount']}
        rows={(tx.lines ?? []).map((l) => [l.description ?? '', <span className="tabular-nums">{l.quantity}</span>, <span className="tabular-nums">{money(l.amount)}</span>])}
      />
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 border-t border-slate-200 pt-2">
        <dt className="text-slate-600">Subtotal</dt>
        <dd className="text-right tabular-nums">{money(t.subtotal)}</dd>
        <AmountRow label="Discount" value={t.discount} />
        <AmountRow label="Service charge" value={t.service_charge} />
        {!t.tax_inclusive && <TaxRows tx={tx} />}
        <AmountRow label="Tip" value={t.tip} testId="tx-tip" />
        <AmountRow label="Rounding" value={t.rounding} testId="tx-rounding" />
        <dt className="font-semibold">Total</dt>
        <dd className="text-right font-semibold tabular-nums">{money(t.total)}</dd>
        {t.tax_inclusive && (
          <>
            <dt className="col-span-2 pt-1 text-xs text-slate-600" data-testid="tx-inclusive">
              Prices include VAT: the total contains
            </dt>
            <TaxRows tx={tx} />
          </>
        )}
      </dl>
      {tx.payments && tx.payments.length > 0 && (
        <p className="text-slate-700">
          Paid:{' '}
          {tx.payments.map((p, i) => (
            <span key={i}>
              {i > 0 && ', '}
              {p.method} {money(p.amount)}
              {p.card_last4 ? ` (card •••• ${p.card_last4})` : ''}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

/** A part of the totals, shown only when the receipt printed it. */
function AmountRow({ label, value, testId }: { label: string; value: string | undefined; testId?: string }) {
  if (!value) return null;
  return (
    <>
      <dt className="text-slate-600">{label}</dt>
      <dd className="text-right tabular-nums" data-testid={testId}>
        {money(value)}
      </dd>
    </>
  );
}

const TAX_LABEL: Record<string, string> = { VAT: 'VAT', consumption_tax: 'Consumption tax' };

/** One row per tax the receipt printed (VAT, consumption tax…) with its rate; a lone total when it names none. */
function TaxRows({ tx }: { tx: TxView }) {
  const taxes = tx.taxes ?? [];
  if (taxes.length === 0) {
    return (
      <>
        <dt className="text-slate-600">VAT</dt>
        <dd className="text-right tabular-nums">{money(tx.totals?.tax)}</dd>
      </>
    );
  }
  return (
    <>
      {taxes.map((x, i) => (
        <div key={i} className="contents" data-testid="tx-tax">
          <dt className="text-slate-600">
            {TAX_LABEL[x.type ?? ''] ?? x.type} {x.rate}%
          </dt>
          <dd className="text-right tabular-nums">{money(x.amount)}</dd>
        </div>
      ))}
    </>
  );
}

export function ReceiptHeader({ receipt }: { receipt: ReceiptDetail }) {
  const s = receipt.summary;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Badge tone={STATE_TONE[s.state]}>
        <span data-testid="receipt-state">{STATE_LABEL[s.state]}</span>
      </Badge>
      <span className="font-mono text-sm text-slate-700">{s.receiptNumber ?? s.id.slice(0, 14)}</span>
      {receipt.irn && (
        <span className="text-sm text-slate-700">
          IRN <span className="font-mono" data-testid="receipt-irn">{receipt.irn}</span>
        </span>
      )}
    </div>
  );
}

export function PaperOf({ receipt }: { receipt: ReceiptDetail }) {
  if (!receipt.paper) return <p className="text-sm text-slate-600">The printed receipt is no longer kept (past the retention period).</p>;
  const p = receipt.paper;
  const paper = (
    <Paper
      label={`Receipt ${receipt.summary.receiptNumber ?? ''} as printed`}
      paper={{
        width: p.width,
        lines: p.lines.map((l) => ({ text: l.text, style: l })),
        qr: p.qr,
        pictures: p.pictures,
      }}
    />
  );
  if (!p.pictures?.length) return paper;
  return (
    <div className="flex flex-wrap items-start justify-center gap-6">
      {paper}
      <ReadText read={p.read} reading={receipt.summary.state === 'reading'} />
    </div>
  );
}

/** Below this the word is marked: a field read from it sends the receipt to review (MIN_FIELD_CONFIDENCE in main/receipts/ocr.ts). */
const UNSURE = 0.75;

/** The text read from the receipt's pictures, beside them: each word the engine was unsure of marked with its confidence. */
function ReadText({ read, reading }: { read: NonNullable<ReceiptDetail['paper']>['read']; reading: boolean }) {
  if (reading || !read) {
    return (
      <p className="max-w-xs text-sm text-slate-600" data-testid="ocr-reading">
        {reading ? 'Printed as a picture: its text is being read. It is sent once read.' : 'The text of this picture was not read.'}
      </p>
    );
  }
  return (
    <figure aria-label="Text read from the picture" className="w-fit" data-testid="ocr-text">
      <figcaption className="mb-2 text-xs text-slate-600">
        Read from the picture. <mark className="rounded bg-amber-200 px-1">Marked</mark> words were read with low confidence: check them against the paper.
      </figcaption>
      <div className="bg-white px-3 py-4 font-mono text-[12px] leading-[1.35] text-slate-900 ring-1 ring-slate-300">
        {read.map((line, i) => (
          <div key={i} className="whitespace-pre">
            {line.words.map((w, k) => (
              <span key={k}>
                {k > 0 && ' '}
                {w.confidence < UNSURE ? (
                  <mark className="rounded bg-amber-200 px-0.5" title={`read with ${Math.round(w.confidence * 100)} % confidence`} data-testid="ocr-unsure">
                    {w.text}
                  </mark>
                ) : (
                  w.text
                )}
              </span>
            ))}
            {line.words.length === 0 && '\u00a0'}
          </div>
        ))}
      </div>
    </figure>
  );
}
