// QR reading: the browser's BarcodeDetector where it exists, otherwise the jsQR library,
// loaded only when first needed (it is not part of the precached shell).
let jsqrPromise = null;

function loadJsQR() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!jsqrPromise) {
    jsqrPromise = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/node_modules/jsqr/dist/jsQR.js';
      s.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error('jsQR missing')));
      s.onerror = () => { jsqrPromise = null; reject(new Error('QR decoder not available offline yet')); };
      document.head.appendChild(s);
    });
  }
  return jsqrPromise;
}

let detector;
async function nativeDetector() {
  if (detector !== undefined) return detector;
  detector = null;
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    } catch { detector = null; }
  }
  return detector;
}

const canvas = () => document.createElement('canvas');

/** Decodes a QR code from an image, bitmap or video frame; resolves with its text or null. */
export async function decode(source, width, height) {
  const native = await nativeDetector();
  if (native) {
    try {
      const codes = await native.detect(source);
      if (codes.length) return codes[0].rawValue;
    } catch { /* fall through to jsQR */ }
  }
  const jsQR = await loadJsQR();
  const c = canvas();
  const scale = Math.min(1, 1024 / Math.max(width, height));
  c.width = Math.round(width * scale);
  c.height = Math.round(height * scale);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, c.width, c.height);
  const img = ctx.getImageData(0, 0, c.width, c.height);
  const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  return code ? code.data : null;
}

/** Decodes a QR code from a photo file. */
export async function decodeFile(file) {
  const bmp = await createImageBitmap(file);
  try { return await decode(bmp, bmp.width, bmp.height); } finally { bmp.close(); }
}

export const hasCamera = () => Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);

/** Scans the camera until a code is found or stop() is called. */
export async function scanCamera(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    stream.getTracks().forEach((tr) => tr.stop());
    video.srcObject = null;
  };
  (async () => {
    while (!stopped) {
      if (video.videoWidth) {
        const text = await decode(video, video.videoWidth, video.videoHeight).catch(() => null);
        if (text && !stopped) { stop(); onCode(text); return; }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return stop;
}
