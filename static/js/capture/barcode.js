/* Barcodes and QR codes: scanned with the camera where the browser has BarcodeDetector,
 * else (and always) typed into the question's text box.
 */
import { t } from '../i18n.js';

const SCAN_MS = 30 * 1000;

export function attach(wrapper) {
  if (wrapper.dataset.captureReady) return;
  wrapper.dataset.captureReady = '1';
  const input = wrapper.querySelector('input[type=text]');
  if (!input || !('BarcodeDetector' in self) || !navigator.mediaDevices) return;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button';
  button.textContent = t('Scan a code');
  const state = document.createElement('p');
  state.className = 'hint';
  state.setAttribute('aria-live', 'polite');
  input.after(button, state);
  button.addEventListener('click', async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (error) {
      state.textContent = t('The camera is not available; type the code instead.');
      return;
    }
    const video = document.createElement('video');
    video.playsInline = true;
    video.muted = true;
    video.srcObject = stream;
    video.className = 'scan-view';
    state.before(video);
    await video.play().catch(() => {});
    const detector = new self.BarcodeDetector();
    const until = Date.now() + SCAN_MS;
    state.textContent = t('Point the camera at the code…');
    try {
      while (Date.now() < until) {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) {
          input.value = codes[0].rawValue;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          state.textContent = t('Code read.');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      state.textContent = t('No code found; type it instead.');
    } finally {
      stream.getTracks().forEach((track) => track.stop());
      video.remove();
    }
  });
}
