// A QR code drawn as SVG: from the engine's module matrix when it sends one, else encoded here with the qrcode package's pure encoder (no canvas, CSP-safe).
import { create } from 'qrcode';
import { useMemo } from 'react';
import type { QrMatrix } from '../../../preload/api';

function pathOf(dark: (x: number, y: number) => boolean, n: number): string {
  let d = '';
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (dark(x, y)) d += `M${x + 4} ${y + 4}h1v1h-1z`;
  return d;
}

export function QrCode({ value, matrix, size = 180, label }: { value?: string; matrix?: QrMatrix | null; size?: number; label: string }) {
  const drawn = useMemo(() => {
    if (matrix && matrix.rows.length) return { d: pathOf((x, y) => matrix.rows[y]?.[x] === '1', matrix.size), n: matrix.size + 8 };
    if (!value) return null;
    const qr = create(value, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    return { d: pathOf((x, y) => Boolean(qr.modules.data[y * n + x]), n), n: n + 8 };
  }, [value, matrix]);
  if (!drawn) return null;
  return (
    <svg role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${drawn.n} ${drawn.n}`} shapeRendering="crispEdges" className="rounded bg-white">
      <rect width={drawn.n} height={drawn.n} fill="#fff" />
      <path d={drawn.d} fill="#0f172a" />
    </svg>
  );
}
