/* The interface's words for the scripts, in the page's language.
 *
 * The server renders the words the scripts need, already translated, into
 * <script type="application/json" id="ui-strings"> (base.html, survey_app/languages),
 * keyed by their English text; a page cached on the phone carries its own copy, so this
 * works offline. A word the page does not carry stays in English.
 *
 *   t('Saved on this phone at {time}.', { time }) -> the sentence, placeholders filled
 */
let strings = null;

function load() {
  if (strings) return strings;
  strings = {};
  try {
    const element = typeof document !== 'undefined' && document.getElementById('ui-strings');
    if (element) strings = JSON.parse(element.textContent) || {};
  } catch (error) {
    strings = {}; // a broken block must not stop the page: English it is
  }
  globalThis.SurveyStrings = strings; // sync-core.js reads these on the page (not in the worker)
  return strings;
}

export function t(text, values = {}) {
  const found = load()[text] || text;
  return found.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/* One of two sentences by count; the count goes in as {n}. */
export function tn(n, one, many, values = {}) {
  return t(n === 1 ? one : many, { n, ...values });
}

load();
