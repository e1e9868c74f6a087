// Photos are shrunk on the phone before they are stored: longest side 1600 px, JPEG.
import { sha256Hex } from './util.js';

export const MAX_SIDE = 1600;
export const QUALITY = 0.82;

/** A camera or gallery file -> {blob (JPEG), sha256, width, height}. */
export async function prepare(file) {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * scale));
  const hgt = Math.max(1, Math.round(bmp.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; // transparent PNGs become white, not black, in JPEG
  ctx.fillRect(0, 0, w, hgt);
  ctx.drawImage(bmp, 0, 0, w, hgt);
  bmp.close();
  const blob = await new Promise((resolve, reject) => canvas.toBlob(
    (b) => (b ? resolve(b) : reject(new Error('could not encode the photo'))), 'image/jpeg', QUALITY));
  return { blob, sha256: await sha256Hex(blob), width: w, height: hgt };
}
