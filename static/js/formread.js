/* Read the server-rendered form into sync data, snapshot and restore its fields, and add
 * repeat instances, all without the network.
 *
 * readAnswers() is a port of read_scope() in survey_app/capture/formdata.py and must give
 * the same data from the same fields: it reads `new FormData(form)` (exactly what
 * the browser would post: disabled and unchecked fields are left out) and walks the
 * question wrappers (data-name, data-type, data-key) in page order. Integers become
 * numbers, select_multiple a list, a repeat a list of objects, a geopoint {lat, lon}; a
 * value that cannot be read as a number stays text, so the server can quarantine it with
 * a message instead of it being lost. Relevance and calculations (formdata.py's settle())
 * are the skip-logic module's part, through the page: it disables the fields of questions
 * that do not apply (FormData leaves them out) and writes calculations into their hidden
 * inputs (read with {calculations: true}).
 */

const SKIPPED = new Set(['note']);
const SYSTEM_FIELDS = new Set(['csrf_token', '_id', '_version', '_started_at', '_lang', '_ticket']);
const MAX_REPEAT = 200;

/* The page's inline definition (<script type="application/json" id="survey-definition">),
   parsed once for every module that reads it (form.js, formlogic.js, orgpicker.js each
   parsed a large form's definition again). Shared: read it, never change it. null when the
   page has none or it does not parse. */
let parsed = null;
export function inlineDefinition() {
  const inline = document.getElementById('survey-definition');
  if (!inline) return null;
  if (!parsed || parsed.element !== inline) {
    let value = null;
    try {
      value = JSON.parse(inline.textContent);
    } catch (error) {
      value = null;
    }
    parsed = { element: inline, value };
  }
  return parsed.value;
}

export function fieldId(key) {
  return 'f-' + key.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
}

function ownerRepeat(element) {
  return element.parentElement ? element.parentElement.closest('[data-type="repeat"]') : null;
}

/* The questions of one scope (the form, or a repeat's first instance), groups flattened,
   each as {name, type, key, orOther, children}. Metadata questions (start, deviceid, ...)
   are hidden inputs named by the question, filled in by form.js. */
function questionTree(root, owner) {
  const tree = [];
  for (const element of root.querySelectorAll('[data-key][data-type], input[type=hidden][data-name][data-type]')) {
    if (ownerRepeat(element) !== owner) continue;
    const type = element.dataset.type;
    if (type === 'group') continue;
    const node = { name: element.dataset.name, type, key: element.dataset.key || element.name };
    if (type === 'repeat') {
      const first = element.querySelector('.repeat-item');
      node.children = first ? questionTree(first, element) : [];
    } else {
      node.orOther = Boolean(element.querySelector('input[name$="_other"]'));
    }
    tree.push(node);
  }
  return tree;
}

/* questionTree(form) kept per form: it depends on the questions, not on the answers, so
   a draft save (every pause in typing) need not walk every wrapper of the page again. It
   is made again when a repeat that had no instance to read its questions from has one,
   or the form's repeats are no longer the same elements. */
const trees = new WeakMap();
function formTree(form) {
  const kept = trees.get(form);
  const repeats = form.querySelectorAll('fieldset[data-type="repeat"]');
  const same =
    kept &&
    kept.repeats.length === repeats.length &&
    kept.repeats.every((fieldset, index) => fieldset === repeats[index] && (fieldset.querySelector('.repeat-item') !== null) === kept.filled[index]);
  if (same) return kept.tree;
  const list = [...repeats];
  const tree = questionTree(form, null);
  trees.set(form, { tree, repeats: list, filled: list.map((fieldset) => fieldset.querySelector('.repeat-item') !== null) });
  return tree;
}

function number(raw, integer) {
  const text = integer ? raw.trim() : raw.trim().replace(/,/g, '.');
  const pattern = integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  return pattern.test(text) ? Number(text) : raw;
}

function repeatCount(values, key) {
  const raw = values.get(key + '__count');
  return raw !== null && /^\d+$/.test(raw) ? Math.min(parseInt(raw, 10), MAX_REPEAT) : 0;
}

/* A calculation's value as the skip-logic module wrote it: a number when it reads as one. */
function calculated(raw) {
  const text = (raw || '').trim();
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? value : raw;
}

/* A walked line or shape as typed, one "lat lon [alt [accuracy]]" per line, as
   formdata.py's points(); text that does not read as points is kept as typed. */
export function points(raw) {
  const found = [];
  for (const line of raw.split(/[;\n]/).map((part) => part.trim()).filter(Boolean)) {
    const parts = line.split(/[\s,]+/).filter(Boolean);
    const numbers = parts.map((part) => Number(part));
    if (parts.length < 2 || parts.length > 4 || numbers.some((n) => !Number.isFinite(n))) return raw;
    const point = { lat: numbers[0], lon: numbers[1] };
    if (parts.length > 2) point.alt = numbers[2];
    if (parts.length > 3) point.accuracy = numbers[3];
    found.push(point);
  }
  return found;
}

function readScope(tree, values, prefix, calculations) {
  const data = {};
  for (const question of tree) {
    const { name, type } = question;
    const key = prefix + name;
    if (SKIPPED.has(type)) continue;
    if (type === 'calculate') {
      const value = calculations ? calculated(values.get(key)) : undefined;
      if (value !== undefined) data[name] = value;
      continue;
    }
    if (type === 'repeat') {
      const items = [];
      for (let i = 0; i < repeatCount(values, key); i += 1) {
        const item = readScope(question.children, values, key + '[' + i + '].', calculations);
        if (Object.keys(item).length) items.push(item);
      }
      if (items.length) data[name] = items;
      continue;
    }
    if (type === 'select_multiple') {
      const chosen = values.getAll(key).filter((value) => value);
      if (chosen.length) data[name] = chosen;
    } else if (type === 'geopoint') {
      const lat = (values.get(key + '__lat') || '').trim();
      const lon = (values.get(key + '__lon') || '').trim();
      if (lat || lon) data[name] = { lat: number(lat, false), lon: number(lon, false) };
      const accuracy = (values.get(key + '__acc') || '').trim();
      if ((lat || lon) && accuracy) data[name].accuracy = number(accuracy, false);
    } else if (type === 'geotrace' || type === 'geoshape') {
      const raw = values.get(key) || '';
      if (raw.trim()) data[name] = points(raw);
    } else {
      const raw = values.get(key) || '';
      if (raw.trim() === '') continue; // as formdata.py: a blank answer skips its "other" too
      if (type === 'integer') data[name] = number(raw, true);
      else if (type === 'decimal' || type === 'range') data[name] = number(raw, false);
      else data[name] = raw;
    }
    if (question.orOther) {
      const other = (values.get(key + '_other') || '').trim();
      if (other) data[name + '_other'] = other;
    }
  }
  return data;
}

/* FormData's get() and getAll() look through every field: once per question, reading a
   1,500-question form took a quadratic number of steps. The same answers, by name. */
function indexed(formData) {
  const byName = new Map();
  for (const [name, value] of formData) {
    const list = byName.get(name);
    if (list) list.push(value);
    else byName.set(name, [value]);
  }
  return {
    get: (name) => (byName.has(name) ? byName.get(name)[0] : null),
    getAll: (name) => byName.get(name) || [],
  };
}

/* The form's answers in the sync API's data shape. With calculations, the values the
   skip-logic module wrote into the calculations' hidden inputs are included, as the
   server's settle() includes them for the plain post; without, this is read_scope(). */
export function readAnswers(form, { calculations = false } = {}) {
  return readScope(formTree(form), indexed(new FormData(form)), '', calculations);
}

function isField(element) {
  return (
    element.name &&
    !SYSTEM_FIELDS.has(element.name) &&
    !['submit', 'button', 'reset', 'file', 'image'].includes(element.type)
  );
}

/* Every field's raw value as [name, value] pairs (disabled ones too: a question hidden
   by skip logic and shown again gets its answer back). */
export function snapshot(form) {
  const pairs = [];
  for (const element of form.elements) {
    if (!isField(element)) continue;
    if (element.type === 'radio' || element.type === 'checkbox') {
      if (element.checked) pairs.push([element.name, element.value]);
    } else if (element.tagName === 'SELECT') {
      for (const option of element.selectedOptions) pairs.push([element.name, option.value]);
    } else {
      pairs.push([element.name, element.value]);
    }
  }
  return pairs;
}

/* Put a snapshot back: first as many repeat instances as it had, then every value. */
export function restore(form, pairs) {
  const values = new Map();
  for (const [name, value] of pairs) {
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  for (let pass = 0; pass < 5; pass += 1) {
    let added = false;
    for (const fieldset of form.querySelectorAll('fieldset[data-type="repeat"]')) {
      const wanted = parseInt((values.get(fieldset.dataset.key + '__count') || ['0'])[0], 10);
      while (instances(fieldset).length < Math.min(wanted || 0, MAX_REPEAT)) {
        addRepeatInstance(fieldset, { focus: false, restoring: true });
        added = true;
      }
    }
    if (!added) break; // nested repeats appear only once their parent instance exists
  }
  const seen = new Map();
  for (const element of form.elements) {
    if (!isField(element)) continue;
    const given = values.get(element.name) || [];
    if (element.type === 'radio' || element.type === 'checkbox') {
      element.checked = given.includes(element.value);
    } else if (element.tagName === 'SELECT') {
      for (const option of element.options) option.selected = given.includes(option.value);
    } else if (element.matches('[data-repeat-count]')) {
      element.value = String(instances(element.closest('fieldset')).length);
    } else {
      const index = seen.get(element.name) || 0;
      seen.set(element.name, index + 1);
      element.value = index < given.length ? given[index] : '';
    }
  }
}

function instances(fieldset) {
  const list = fieldset.querySelector(':scope > .repeat-items');
  return list ? [...list.children].filter((child) => child.matches('.repeat-item')) : [];
}

/* A new instance from the repeat's <template> (rendered by the server with a placeholder
   for the index), or null when the page has none. */
function fromTemplate(fieldset, index) {
  const item = instanceFromTemplate(fieldset, index);
  if (item) numberInstance(item, index);
  return item;
}

/* The repeat's <template> filled in for one index (names, ids, data-index), not yet in
   the page; null when the page has no template. Shared with formlogic.js. */
export function instanceFromTemplate(fieldset, index) {
  const template = fieldset.querySelector(':scope > template[data-repeat-template]');
  if (!template) return null;
  const from = template.dataset.forKey;
  const placeholder = template.dataset.placeholder;
  const key = fieldset.dataset.key;
  const html = template.innerHTML
    .split(`${from}[${placeholder}]`)
    .join(`${key}[${index}]`)
    .split(`${fieldId(from)}-${placeholder}-`)
    .join(`${fieldId(key)}-${index}-`)
    .split(`data-index="${placeholder}"`)
    .join(`data-index="${index}"`);
  const holder = document.createElement('template');
  holder.innerHTML = html.trim();
  return holder.content.firstElementChild;
}

/* Show the instance's 1-based number in its title and remove button. */
function numberInstance(item, index) {
  item.querySelectorAll('[data-repeat-number]').forEach((number) => {
    number.textContent = String(index + 1);
  });
  const title = item.querySelector('.repeat-title');
  const last = title && title.lastChild;
  if (last && last.nodeType === Node.TEXT_NODE) {
    last.textContent = last.textContent.replace(/\d*\s*$/, ' ' + (index + 1)).replace(/^\s+/, ' ');
  }
}

/* Add an empty instance to a repeat, offline (the no-JS path asks the server instead):
   from the repeat's <template> when the page has one, else a cleared copy of the last.
   Dispatches `survey:repeat-added` so skip logic can wire up the new fields (`restoring`:
   a draft's instance, whose answers come back next, so no dynamic default is made). */
export function addRepeatInstance(fieldset, { focus = true, restoring = false } = {}) {
  const list = fieldset.querySelector(':scope > .repeat-items');
  const existing = instances(fieldset);
  if (!list || existing.length >= MAX_REPEAT) return null;
  const made = fromTemplate(fieldset, existing.length);
  if (made) return insertInstance(fieldset, list, made, existing.length, focus, restoring);
  if (!existing.length) return null;
  const key = fieldset.dataset.key;
  const template = existing[existing.length - 1];
  const from = Number(template.dataset.index);
  const to = existing.length;
  const clone = template.cloneNode(true);
  const namePrefix = [key + '[' + from + '].', key + '[' + to + '].'];
  const idPrefix = [fieldId(key) + '-' + from + '-', fieldId(key) + '-' + to + '-'];
  const rename = (value) => value.split(namePrefix[0]).join(namePrefix[1]).split(idPrefix[0]).join(idPrefix[1]);
  for (const element of [clone, ...clone.querySelectorAll('*')]) {
    for (const attribute of ['name', 'id', 'for', 'data-key', 'aria-describedby', 'href']) {
      const value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, rename(value));
    }
  }
  // An empty instance: no answers, no old messages, nested repeats back to one instance.
  clone.querySelectorAll('.error, [data-client-error]').forEach((element) => element.remove());
  clone.querySelectorAll('.has-error').forEach((element) => element.classList.remove('has-error'));
  clone.querySelectorAll('[aria-invalid]').forEach((element) => element.removeAttribute('aria-invalid'));
  for (const nested of clone.querySelectorAll('fieldset[data-type="repeat"]')) {
    instances(nested).slice(1).forEach((extra) => extra.remove());
  }
  for (const element of clone.querySelectorAll('input, textarea, select')) {
    if (element.matches('[data-repeat-count]')) element.value = '1';
    else if (element.type === 'radio' || element.type === 'checkbox') element.checked = false;
    else if (element.tagName === 'SELECT') element.selectedIndex = -1;
    else if (element.type !== 'hidden') element.value = '';
  }
  clone.dataset.index = String(to);
  numberInstance(clone, to);
  return insertInstance(fieldset, list, clone, to, focus, restoring);
}

function insertInstance(fieldset, list, item, index, focus, restoring) {
  list.append(item);
  const counter = fieldset.querySelector(':scope > [data-repeat-count]');
  if (counter) counter.value = String(index + 1);
  if (focus) {
    const first = item.querySelector('input:not([type=hidden]), textarea, select');
    if (first) first.focus();
  }
  fieldset.dispatchEvent(new CustomEvent('survey:repeat-added', { bubbles: true, detail: { item, index, restoring } }));
  return item;
}
