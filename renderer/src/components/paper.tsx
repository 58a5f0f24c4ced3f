// A captured receipt drawn as thermal paper: monospace at the printer's width, bold, double size, centred, its QR codes drawn.
import type { QrMatrix } from '../../../preload/api';
import { QrCode } from './qr';
import { cx } from './ui';

export interface PaperLineView {
  text: string;
  style?: { bold?: boolean; underline?: boolean; doubleWidth?: boolean; doubleHeight?: boolean; reverse?: boolean; align?: 'left' | 'center' | 'right' };
}

export interface PaperPicture {
  line: number;
  width: number;
  height: number;
  png: string;
}

export function Paper({ paper, label }: { paper: { lines: PaperLineView[]; qr?: QrMatrix[]; width?: number; pictures?: PaperPicture[] }; label: string }) {
  const width = paper.width ?? 42;
  // A picture printed before line i is drawn above it; one after the last line, at the end.
  const picturesAt = (i: number) =>
    (paper.pictures ?? [])
      .filter((p) => p.line === i)
      .map((p, k) => (
        <img key={`pic${i}-${k}`} src={p.png} width={p.width} height={p.height} alt="Picture printed on the receipt" className="mx-auto my-1 max-w-full [image-rendering:pixelated]" data-testid="paper-picture" />
      ));
  return (
    <figure aria-label={label} className="mx-auto w-fit" data-testid="paper">
      <div className="bg-[#fdfdf8] px-3 py-4 font-mono text-[12px] leading-[1.35] text-slate-900 shadow-md ring-1 ring-slate-300" style={{ width: `calc(${width}ch + 1.5rem)` }}>
        {paper.lines.map((line, i) => {
          const s = line.style ?? {};
          const before = picturesAt(i);
          const big = s.doubleWidth || s.doubleHeight;
          // Double width halves the characters per line, so the text is drawn at twice the size.
          return [
            ...before,
            <div
              key={i}
              className={cx('overflow-hidden whitespace-pre', s.bold && 'font-bold', s.underline && 'underline', s.reverse && 'bg-slate-900 text-white', s.align === 'center' && 'text-center', s.align === 'right' && 'text-right')}
              style={big ? { fontSize: s.doubleWidth ? '24px' : '12px', transform: s.doubleHeight && !s.doubleWidth ? 'scaleY(2)' : undefined, lineHeight: s.doubleHeight ? 1.25 : 1.35, margin: s.doubleHeight && !s.doubleWidth ? '4px 0' : undefined } : undefined}
            >
              {line.text || '\u00a0'}
            </div>,
          ];
        })}
        {picturesAt(paper.lines.length)}
        {(paper.qr ?? []).map((q, i) => (
          <div key={`qr${i}`} className="mt-2 flex justify-center">
            <QrCode matrix={q} size={112} label="QR code printed on the receipt" />
          </div>
        ))}
      </div>
    </figure>
  );
}
