// milsymbol images: one per distinct SIDC, rendered once. The milsymbol canvas is re-centred
// on the symbol's anchor, so that drawing it centred (MapLibre's default icon-anchor 'center',
// or the overlay's drawImage at x - w/2) puts the anchor exactly on the position.

import { letterair, letterequipment, ms } from 'milsymbol-lean';

// MIL-STD-2525C letter SIDCs: air (tracks) and ground equipment (sensors, launchers).
ms.addIcons([letterair, letterequipment]);

export interface SymbolImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  pixelRatio: number;
}

/** The symbol on a canvas centred on its anchor, `pixelRatio` device pixels per CSS pixel. */
export function symbolCanvas(sidc: string, size: number, pixelRatio: number): HTMLCanvasElement {
  const sym = new ms.Symbol(sidc, {
    size,
    // dark background: keep the 2525 light fills but give the frame a dark outline for contrast
    outlineWidth: 2,
    outlineColor: 'rgba(0,0,0,0.85)',
    fillOpacity: 0.9,
    // neutral civil aircraft keep the neutral green (as their trails and table entries)
    civilianColor: false,
  });
  const src = sym.asCanvas(pixelRatio);
  const anchor = sym.getAnchor();
  const ax = anchor.x * pixelRatio;
  const ay = anchor.y * pixelRatio;
  const halfW = Math.ceil(Math.max(ax, src.width - ax));
  const halfH = Math.ceil(Math.max(ay, src.height - ay));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, 2 * halfW);
  canvas.height = Math.max(1, 2 * halfH);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(src, halfW - ax, halfH - ay);
  return canvas;
}

/** The symbol as RGBA pixels (a MapLibre image). */
export function renderSymbol(sidc: string, size: number, pixelRatio: number): SymbolImage {
  const canvas = symbolCanvas(sidc, size, pixelRatio);
  const img = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  return { width: canvas.width, height: canvas.height, data: img.data, pixelRatio };
}

/** A data-URL of the symbol, for DOM use (legend, details panel). */
export function symbolDataUrl(sidc: string, size: number): string {
  const sym = new ms.Symbol(sidc, { size, outlineWidth: 2, outlineColor: 'rgba(0,0,0,0.85)', civilianColor: false });
  return sym.asCanvas(Math.max(1, Math.round(window.devicePixelRatio || 1))).toDataURL();
}
