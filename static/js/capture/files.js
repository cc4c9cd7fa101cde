/* Questions answered with a file: photo (camera or gallery, downscaled), recording
 * (the browser's recorder, else a file), video and other files (size-limited), and
 * signatures or drawings on a canvas. Each shows a preview and can be replaced or removed.
 *
 * The file itself is kept on the phone as a Blob in the account's store (upload-core.js)
 * under the draft's id; the question's hidden answer holds its name. Photos are
 * re-encoded through a canvas, which drops EXIF and any location in it.
 */
import { t } from '../i18n.js';

const DEFAULT_MAX_PIXELS = 1600;
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const JPEG_QUALITY = 0.85;

export function attach(wrapper, context) {
  if (wrapper.dataset.captureReady) return;
  wrapper.dataset.captureReady = '1';
  const mode = wrapper.dataset.capture;
  const answer = wrapper.querySelector('input[data-file-answer]');
  const picker = wrapper.querySelector('input[data-file-picker]');
  const kept = wrapper.querySelector('[data-file-kept]');
  if (kept) kept.remove();
  const ui = document.createElement('div');
  ui.className = 'capture-ui';
  ui.innerHTML =
    '<div class="capture-preview" data-preview></div>' +
    '<p class="hint" data-capture-state aria-live="polite"></p>' +
    '<div class="capture-actions"><button type="button" class="button" data-remove-file hidden></button></div>';
  picker.after(ui);
  const preview = ui.querySelector('[data-preview]');
  const state = ui.querySelector('[data-capture-state]');
  const remove = ui.querySelector('[data-remove-file]');
  remove.textContent = t('Remove');

  let objectUrl = null;
  function show(blob) {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    preview.replaceChildren();
    remove.hidden = !blob;
    if (!blob) return;
    objectUrl = URL.createObjectURL(blob);
    let element;
    if (blob.type.startsWith('image/')) {
      element = document.createElement('img');
      element.alt = t('Preview');
    } else if (blob.type.startsWith('audio/') || (mode === 'audio' && blob.type.startsWith('video/'))) {
      element = document.createElement('audio');
      element.controls = true;
    } else if (blob.type.startsWith('video/')) {
      element = document.createElement('video');
      element.controls = true;
    } else {
      element = document.createElement('p');
      element.textContent = t('A file of {size} is attached.', { size: size(blob.size) });
    }
    if (element.tagName !== 'P') element.src = objectUrl;
    preview.append(element);
  }

  async function keep(blob, originalName) {
    const store = await context.store;
    const entry = await self.SurveyUpload.keep(store, context.recordId(), answer.name, blob, originalName);
    answer.value = entry.name;
    answer.dispatchEvent(new Event('input', { bubbles: true }));
    show(blob);
    state.textContent = t('Kept on this phone ({size}). It is sent with the record.', { size: size(blob.size) });
    context.onChange();
  }

  picker.addEventListener('change', async () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    state.textContent = t('Preparing…');
    try {
      const blob = await prepare(file, mode, wrapper, context.anonymous);
      if (blob) await keep(blob, file.name);
    } catch (error) {
      state.textContent = error.message || String(error);
    } finally {
      picker.value = ''; // the bytes live in the store now; choosing again replaces them
    }
  });

  remove.addEventListener('click', () => {
    if (!window.confirm(t('Remove this file from the answer?'))) return;
    answer.value = '';
    answer.dispatchEvent(new Event('input', { bubbles: true }));
    show(null);
    state.textContent = t('Removed.');
    context.onChange();
  });

  if (mode === 'audio') addRecorder(ui, keep, state);
  if (mode === 'signature') addCanvas(ui, keep, picker);

  // A restored draft: show what it holds.
  const restore = async () => {
    if (!answer.value) return show(null);
    const store = await context.store;
    const entry = await self.SurveyUpload.getFile(store, context.recordId(), answer.value);
    if (entry) {
      show(entry.blob);
      state.textContent = t('Kept on this phone ({size}). It is sent with the record.', { size: size(entry.size) });
    } else {
      state.textContent = t('Attached: {name}', { name: answer.value });
    }
  };
  restore();
  answer.form.addEventListener('survey:restored', restore);
}

function size(bytes) {
  if (bytes < 1024) return t('{n} bytes', { n: bytes });
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + ' KB';
  return (bytes / 1024 / 1024).toFixed(1) + ' MB';
}

/* What is kept of a picked file: photos downscaled and re-encoded, others size-checked. */
async function prepare(file, mode, wrapper, anonymous) {
  if (mode === 'image' || mode === 'signature') {
    const maxPixels = parseInt(wrapper.dataset.maxPixels || '', 10) || DEFAULT_MAX_PIXELS;
    try {
      return await downscale(file, maxPixels);
    } catch (error) {
      // A photo the browser cannot decode cannot be cleaned of its location: not for a public link.
      if (anonymous) throw new Error(t('This photo cannot be read here; take another one.'));
      return file;
    }
  }
  const limit = parseInt(wrapper.dataset.maxBytes || '', 10) || DEFAULT_MAX_BYTES;
  if (file.size > limit) {
    throw new Error(t('This file is too large ({size}); the most is {limit}.', { size: size(file.size), limit: size(limit) }));
  }
  return file;
}

/* Draw the photo at most maxPixels on its longest side and encode it again as JPEG:
   smaller to send, and nothing of the camera's metadata (EXIF, location) survives. */
export async function downscale(file, maxPixels) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, maxPixels / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff'; // a transparent PNG gets a white background, not black
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encode failed'))), 'image/jpeg', JPEG_QUALITY);
  });
}

/* The browser's recorder, where it has one; the file picker stays as the fallback. */
function addRecorder(ui, keep, state) {
  if (!self.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button';
  button.dataset.record = '';
  button.textContent = t('Record sound');
  ui.querySelector('.capture-actions').prepend(button);
  let recorder = null;
  let timer = null;
  button.addEventListener('click', async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      state.textContent = t('The microphone is not available; choose a recording instead.');
      return;
    }
    const parts = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (event) => event.data.size && parts.push(event.data);
    recorder.onstop = async () => {
      stream.getTracks().forEach((track) => track.stop());
      clearInterval(timer);
      const type = (recorder.mimeType || 'audio/webm').split(';')[0];
      recorder = null;
      button.textContent = t('Record sound');
      await keep(new Blob(parts, { type }), 'recording');
    };
    const started = Date.now();
    recorder.start(1000);
    button.textContent = t('Stop recording');
    timer = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      state.textContent = t('Recording… {time}', { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}` });
    }, 500);
  });
}

/* A signature or drawing: finger or mouse on a canvas, kept as a PNG. */
function addCanvas(ui, keep, picker) {
  const canvas = document.createElement('canvas');
  canvas.className = 'signature-pad';
  canvas.width = 600;
  canvas.height = 240;
  canvas.setAttribute('aria-label', t('Sign or draw here'));
  const context = canvas.getContext('2d');
  const blank = () => {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = '#111';
    context.lineWidth = 3;
    context.lineCap = 'round';
  };
  blank();
  let drawing = false;
  let drawn = false;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    context.beginPath();
    context.moveTo(...point(event));
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    context.lineTo(...point(event));
    context.stroke();
    drawn = true;
  });
  const end = () => {
    drawing = false;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  const clear = document.createElement('button');
  clear.type = 'button';
  clear.className = 'button';
  clear.textContent = t('Clear the drawing');
  clear.addEventListener('click', () => {
    blank();
    drawn = false;
  });
  const save = document.createElement('button');
  save.type = 'button';
  save.className = 'button primary';
  save.dataset.keepSignature = '';
  save.textContent = t('Keep this signature');
  save.addEventListener('click', () => {
    if (!drawn) return;
    canvas.toBlob((blob) => blob && keep(blob, 'signature.png'), 'image/png');
  });
  ui.prepend(canvas);
  ui.querySelector('.capture-actions').prepend(clear, save);
  picker.hidden = true; // a signature is drawn, not picked
}
