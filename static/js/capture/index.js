/* Capture questions on the phone: photos, recordings, signatures, files, barcodes and
 * locations. form.js imports this module only when the form has such a question, and
 * this module imports each widget's code only when the form has that kind, so a form of
 * plain questions downloads and runs none of it.
 *
 *   attachCapture(form, {store, recordId, anonymous, onChange}) -> Promise
 *
 * `recordId()` is the draft's id (files are kept under it in the account's store),
 * `anonymous` is true on a public link (photos are always re-encoded: no EXIF, no
 * location), `onChange()` asks form.js to autosave.
 */
const WIDGETS = {
  image: () => import('./files.js'),
  audio: () => import('./files.js'),
  video: () => import('./files.js'),
  file: () => import('./files.js'),
  signature: () => import('./files.js'),
  barcode: () => import('./barcode.js'),
  geopoint: () => import('./location.js'),
  geotrace: () => import('./location.js'),
  geoshape: () => import('./location.js'),
};

export async function attachCapture(form, context) {
  const wrappers = [...form.querySelectorAll('[data-capture]')];
  const kinds = new Set(wrappers.map((wrapper) => wrapper.dataset.capture));
  const modules = new Map();
  for (const kind of kinds) {
    if (!WIDGETS[kind]) continue;
    modules.set(kind, await WIDGETS[kind]());
  }
  for (const wrapper of wrappers) {
    const module = modules.get(wrapper.dataset.capture);
    if (module) module.attach(wrapper, context);
  }
  form.addEventListener('survey:repeat-added', (event) => {
    const item = event.detail && event.detail.item;
    if (!item) return;
    for (const wrapper of item.querySelectorAll('[data-capture]')) {
      const module = modules.get(wrapper.dataset.capture);
      if (module) module.attach(wrapper, context);
    }
  });
}
