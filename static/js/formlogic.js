/* Form logic on the phone, offline: skip logic, required and constraint messages, live
 * calculations, repeats, cascading choices and the form's languages.
 *
 * The server parsed every expression into a syntax tree (definition.questions[].compiled);
 * this module only evaluates those trees with ./expressions.js, which is the twin of the
 * Python evaluator the server validates with, so phone and server agree on every rule
 * (see survey_app/engine/logic.py for the shared semantics).
 *
 *   attachLogic(form, {definition, onChange}) -> Promise<{validate, refresh, answers,
 *                                                       setLanguage, language}>
 *
 * It is safe to call more than once (form.js calls it; the page also attaches it on its
 * own): one instance per form, every onChange is kept. The definition comes from the page
 * (<script type="application/json" id="survey-definition">), else the one passed in, else
 * a GET of form.dataset.definitionUrl.
 *
 * Contract with the rest of the page (form.js, formread.js):
 * - A question that does not apply is hidden (`hidden` on its wrapper) and its inputs are
 *   `disabled`, so neither the plain post nor FormData sends its answer.
 * - Calculations are written into their hidden inputs; onChange() is called after every
 *   change made from code, so drafts are saved.
 * - Repeats: the "+ Add another" button is form.js's when it handles it; otherwise a new
 *   instance is made from the <template> rendered with the repeat. Removing renumbers the
 *   instances (`rep[i].child`) and the `rep__count` counter.
 * - validate() returns {key: [message]} for required answers, types and constraints.
 */
import { evaluate, references, toString, truthy } from './expressions.js';
import { beforeRemoving, offerUndo } from './formhelp.js';
import { fieldId, inlineDefinition, instanceFromTemplate } from './formread.js';
import { t } from './i18n.js';
import { markdownNodes } from './markdown.js';

const LANG_KEY = 'survey-app-form-lang';
const DEVICE_KEY = 'survey-app-device'; // shared with form.js's meta.device_id
const MAX_REPEAT = 200;
const META = new Set([
  'start', 'end', 'today', 'deviceid', 'username', 'phonenumber', 'email', 'simserial', 'subscriberid',
  'start_geopoint',
]);
// Shown with a note: no capture (survey_app/surveys/schema.py NOT_CAPTURED_TYPES). Files
// (image, audio) are answered by static/js/capture/, not read from the form's controls.
const NOT_CAPTURED = ['osm'];
const NO_ANSWER = new Set(['group', 'repeat', 'note', 'calculate', 'hidden', 'image', 'audio', ...NOT_CAPTURED, ...META]);
const RTL = new Set(['ar', 'fa', 'he', 'ur']);
const instances = new WeakMap();

export { fieldId };

export function attachLogic(form, options = {}) {
  let logic = instances.get(form);
  if (!logic) {
    logic = new FormLogic(form);
    instances.set(form, logic);
    logic.ready = logic.start(options.definition);
  }
  if (typeof options.onChange === 'function') logic.listeners.add(options.onChange);
  return logic.ready.then(() => logic.api());
}

function localDate() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function newId() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  return String(Date.now()) + Math.random().toString(16).slice(2);
}

function storage(action) {
  try {
    return action(localStorage);
  } catch (error) {
    return null; // private mode or storage switched off: the form still works
  }
}

class FormLogic {
  constructor(form) {
    this.form = form;
    this.listeners = new Set();
    this.definition = null;
    this.byName = new Map();
    this.scopes = new Map(); // key -> {scope, question}
    this.relevant = new Set();
    this.calculated = new Map();
    this.newInstances = []; // repeat instances whose dynamic defaults are still to be made
    this.lastCalc = new Map(); // key -> the last result written by a question's calculation
    this.lang = form.dataset.lang || 'en';
  }

  async start(given) {
    this.definition = await this.loadDefinition(given);
    if (!this.definition) return;
    const walk = (questions) =>
      questions.forEach((q) => {
        this.byName.set(q.name, q);
        if (q.questions) walk(q.questions);
      });
    walk(this.definition.questions);
    this.deps = dependencies(this.definition.questions);
    this.readers = readersOf(this.deps);
    this.wire();
    // A reopened record (a coordinator's correction) keeps its own metadata and answers.
    if (!this.form.dataset.correction) {
      this.fillMetadata();
      this.fillDynamicDefaults();
    }
    const languages = this.definition.languages || [this.definition.default_language];
    const asked = new URLSearchParams(location.search).get('lang');
    // Only the form page switches language in place; other pages (public links) choose
    // theirs on the server, with their interface texts.
    const inPlace = document.querySelector('nav[data-form-langs]') !== null;
    const stored = inPlace ? storage((s) => s.getItem(LANG_KEY)) : null;
    if (inPlace && asked && languages.includes(asked)) storage((s) => s.setItem(LANG_KEY, asked));
    const wanted = asked && languages.includes(asked) ? asked : stored && languages.includes(stored) ? stored : this.lang;
    this.setLanguage(wanted, { persist: false, quiet: true });
    this.refresh({ quiet: true });
  }

  async loadDefinition(given) {
    const inline = inlineDefinition();
    if (inline) return inline;
    if (given && given.questions) return given;
    if (!this.form.dataset.definitionUrl) return null;
    try {
      const response = await fetch(this.form.dataset.definitionUrl, { credentials: 'same-origin' });
      return response.ok ? await response.json() : null;
    } catch (error) {
      return null;
    }
  }

  api() {
    return {
      validate: () => this.validate(),
      refresh: () => this.refresh(),
      answers: () => (this.definition ? clean(this.collect().own) : {}),
      setLanguage: (code) => this.setLanguage(code, { persist: true }),
      language: () => this.lang,
      definition: this.definition,
    };
  }

  notify() {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        /* a listener's failure must not stop the form */
      }
    }
    this.form.dispatchEvent(new CustomEvent('formlogic:change', { bubbles: true }));
  }

  // -- events ------------------------------------------------------------------------------

  wire() {
    const form = this.form;
    // A keystroke recomputes only what depends on the question typed in (this.deps).
    form.addEventListener('input', (event) => this.refresh({ changed: changedName(event.target), target: event.target }));
    form.addEventListener('change', (event) => {
      this.refresh({ changed: changedName(event.target), target: event.target });
      this.check(event.target);
    });
    form.addEventListener('focusout', (event) => this.check(event.target));
    form.addEventListener('click', (event) => {
      if (event.target.matches && event.target.matches('input[data-locked]')) event.preventDefault();
    });
    form.addEventListener('survey:repeat-added', (event) => {
      // An instance made by form.js is in the language the page was rendered in.
      if (event.detail && event.detail.item) {
        this.translate(event.detail.item);
        // Restoring a draft adds its instances, then puts their saved answers back.
        if (!event.detail.restoring) this.newInstances.push(event.detail.item);
      }
      // Only the new instance and what reads the repeat (count(), ...) change.
      const fieldset = event.target.closest && event.target.closest('fieldset[data-type="repeat"]');
      this.refresh({ grown: fieldset ? fieldset.dataset.name : null });
    });
    form.addEventListener('survey:restored', () => {
      // The draft's answers are what the person left: calculations on questions are taken
      // from them, not written over them (calculate questions are recomputed as always).
      this.adopting = true;
      try {
        this.lastCalc = new Map();
        this.refresh();
      } finally {
        this.adopting = false;
      }
    });
    // form.js adds repeat instances itself when it runs; note the count before it does.
    document.addEventListener(
      'click',
      (event) => {
        const add = event.target.closest && event.target.closest('[data-add-repeat]');
        this.pendingAdd = null;
        if (add && form.contains(add)) {
          const fieldset = add.closest('fieldset[data-type="repeat"]');
          this.pendingAdd = { fieldset, before: this.items(fieldset).length };
        }
        const link = event.target.closest && event.target.closest('nav[data-form-langs] a[data-lang]');
        if (link) {
          event.preventDefault();
          event.stopPropagation(); // the page switches language in place, offline too
          this.setLanguage(link.dataset.lang, { persist: true });
        }
      },
      true,
    );
    document.addEventListener('click', (event) => {
      const pending = this.pendingAdd;
      this.pendingAdd = null;
      if (pending && this.items(pending.fieldset).length === pending.before) {
        event.preventDefault();
        const item = this.addInstance(pending.fieldset);
        if (item) this.focusFirst(item);
      }
      const remove = event.target.closest && event.target.closest('[data-remove-repeat]');
      if (remove && form.contains(remove)) {
        event.preventDefault();
        // Ask first: the entry's answers go with it; then offer to put it back.
        if (!window.confirm(t('Remove this entry and its answers?'))) return;
        const fieldset = remove.closest('fieldset[data-type="repeat"]');
        const before = beforeRemoving(form);
        this.removeInstance(remove.closest('.repeat-item'));
        offerUndo(form, before, fieldset.querySelector(':scope > [data-add-repeat]') || fieldset);
      }
    });
  }

  /** start-geopoint: the position once, when the form opens, if the browser grants it
   * (stored as ODK does: "lat lon altitude accuracy"). */
  startGeopoint(input) {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        if (input.value) return;
        const c = position.coords;
        input.value = [c.latitude, c.longitude, c.altitude || 0, c.accuracy || 0].join(' ');
        input.dispatchEvent(new Event('change', {bubbles: true}));
      },
      () => {},
      {maximumAge: 60000, timeout: 30000},
    );
  }

  fillMetadata() {
    const user = (document.body && document.body.dataset.user) || '';
    for (const input of this.form.querySelectorAll('input[type=hidden][data-type]')) {
      if (!META.has(input.dataset.type) || input.value) continue;
      const type = input.dataset.type;
      if (type === 'start') input.value = new Date().toISOString();
      else if (type === 'today') input.value = localDate();
      else if (type === 'username') input.value = user.startsWith('link:') ? '' : user;
      else if (type === 'start_geopoint') this.startGeopoint(input);
      else if (type === 'deviceid') {
        input.value =
          storage((s) => {
            let id = s.getItem(DEVICE_KEY);
            if (!id) s.setItem(DEVICE_KEY, (id = newId()));
            return id;
          }) || '';
      }
    }
    for (const input of this.form.querySelectorAll('input[data-default-today]')) {
      if (!input.value) input.value = localDate();
    }
  }

  // -- reading answers ---------------------------------------------------------------------

  wrappers() {
    const map = new Map();
    for (const element of this.form.querySelectorAll('[data-key]')) map.set(element.dataset.key, element);
    return map;
  }

  items(fieldset) {
    const list = fieldset && fieldset.querySelector(':scope > .repeat-items');
    return list ? [...list.children].filter((child) => child.matches('.repeat-item')) : [];
  }

  /* The form's controls by name, read in one pass per collect(): a lookup per question
   * would scan the whole form each time (quadratic on a 1,500-question form). */
  fields(name) {
    if (!this.fieldMap) {
      this.fieldMap = new Map();
      for (const element of this.form.querySelectorAll('[name]')) {
        const list = this.fieldMap.get(element.name);
        if (list) list.push(element);
        else this.fieldMap.set(element.name, [element]);
      }
    }
    return this.fieldMap.get(name) || [];
  }

  readValue(question, key) {
    const enabled = this.fields(key).filter((element) => !element.disabled);
    const type = question.type;
    if (type === 'calculate') return this.calculated.has(key) ? this.calculated.get(key) : undefined;
    if (type === 'select_multiple') {
      const chosen = enabled.filter((e) => e.checked).map((e) => e.value);
      return chosen.length ? chosen : undefined;
    }
    if (type === 'select_one' || type === 'range' || type === 'acknowledge') {
      const picked = enabled.find((e) => e.checked);
      if (!picked) return undefined;
      return type === 'range' && /^-?\d+(\.\d+)?$/.test(picked.value) ? Number(picked.value) : picked.value;
    }
    if (type === 'geopoint') {
      const part = (suffix) => {
        const input = this.fields(key + suffix).find((e) => !e.disabled);
        return input ? input.value.trim() : '';
      };
      const [lat, lon] = [part('__lat'), part('__lon')];
      if (!lat && !lon) return undefined;
      const num = (text) => (/^-?\d+(\.\d+)?$/.test(text.replace(',', '.')) ? Number(text.replace(',', '.')) : text);
      return { lat: num(lat), lon: num(lon) };
    }
    const input = enabled[0];
    if (!input || input.value.trim() === '') return undefined;
    const raw = input.value;
    if (type === 'integer') return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    if (type === 'decimal') {
      const text = raw.trim().replace(',', '.');
      return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : raw;
    }
    return raw;
  }

  /* The answers in scopes: {own, answers (chained to the outer scope), repeats, position}. */
  collect() {
    this.scopes = new Map();
    this.fieldMap = null;
    this.wrapperMap = this.wrappers();
    const root = { own: {}, answers: {}, position: null, prefix: '', children: {}, parent: null };
    this.readScope(this.definition.questions, root);
    return (this.root = root);
  }

  readScope(questions, scope) {
    for (const question of questions) {
      const key = scope.prefix + question.name;
      this.scopes.set(key, { scope, question });
      if (question.type === 'group') {
        this.readScope(question.questions, scope);
        continue;
      }
      if (question.type === 'repeat') {
        const fieldset = this.wrapperMap.get(key);
        const children = this.items(fieldset).map((element, index) => {
          return {
            own: {},
            answers: Object.create(scope.answers),
            position: index + 1,
            prefix: `${key}[${index}].`,
            element,
            children: {},
            parent: scope,
          };
        });
        scope.children[question.name] = children;
        const lists = children.map((child) => child.own);
        scope.own[question.name] = lists;
        scope.answers[question.name] = lists;
        children.forEach((child) => this.readScope(question.questions, child));
        continue;
      }
      const value = this.readValue(question, key);
      if (value !== undefined) {
        scope.own[question.name] = value;
        scope.answers[question.name] = value;
      }
      if (question.or_other) {
        const other = this.fields(key + '_other').find((e) => !e.disabled);
        if (other && other.value.trim()) scope.own[question.name + '_other'] = other.value.trim();
      }
    }
  }

  // -- evaluating --------------------------------------------------------------------------

  context(scope, extra = {}) {
    return {
      answers: scope.answers,
      self: null,
      position: scope.position,
      repeats: this.allRepeats(scope),
      choiceLabel: (name, value) => this.choiceLabel(name, value),
      // ODK reads a date-only value at the phone's local midnight.
      tzOffset: -new Date().getTimezoneOffset(),
      instances: this.definition.instances || {},
      ...extra,
    };
  }

  allRepeats(scope) {
    const repeats = {};
    const chain = [];
    for (let s = scope; s; s = s.parent) chain.unshift(s);
    for (const s of chain) {
      for (const [name, children] of Object.entries(s.children)) repeats[name] = children.map((c) => c.own);
    }
    return repeats;
  }

  holds(question, key, ctx) {
    const tree = question.compiled && question.compiled[key];
    if (!tree) return true;
    try {
      return truthy(evaluate(tree, ctx));
    } catch (error) {
      return true; // a malformed tree never hides a question or blocks a record
    }
  }

  text(value) {
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    return value[this.lang] || value[this.definition.default_language] || Object.values(value)[0] || '';
  }

  choiceRow(question, name) {
    const list = (this.definition.choice_lists || {})[question.choices] || [];
    const row = list.find((choice) => choice.name === name);
    if (!row) return null;
    return { ...row, label: this.text(row.label) };
  }

  choiceLabel(questionName, value) {
    const question = this.byName.get(questionName);
    const row = question && this.choiceRow(question, value);
    return row ? row.label : null;
  }

  // -- applying the logic to the page ------------------------------------------------------

  /* Bring every relevance, calculation, filter and flag up to date with the answers.
   *
   * A full refresh (opening, repeats added or removed, restoring, a change from code) reads
   * every answer from the page once (collect()). A change of one question (`changed`, from
   * an input event on `target`) reads only that question's answer again and recomputes only
   * what depends on it: the answers model (this.root's scopes) is kept up to date in place
   * as each calculation or disabled field changes, so a chain of calculations settles in
   * one walk in page order. Another walk follows only when a name changed after something
   * that reads it was already visited (a dependency pointing backwards in the form), or
   * when a repeat_count added or removed instances. */
  refresh({ quiet = false, changed: name = null, target = null, grown = null } = {}) {
    if (!this.definition || this.refreshing) return; // instances added below re-enter via events
    this.refreshing = true;
    let changed = false;
    const known = Boolean(this.relevantCache && this.root);
    const entry = name !== null && known ? this.entryOf(target) : null;
    // dirty: the names whose answers changed (null: recompute everything). An instance
    // added at the end of a repeat (`grown`) is new to relevantCache, so it is done whole.
    this.dirty = entry ? new Set([name]) : grown !== null && known ? new Set([grown]) : null;
    if (this.dirty === null) this.relevantCache = new Map();
    try {
      if (entry) this.reread(entry.question, entry.key, entry.scope);
      else this.collect();
      for (let pass = 0; pass < 20; pass += 1) {
        if (this.restructured) this.collect();
        this.restructured = false;
        this.fillNewInstances();
        this.relevant = new Set();
        this.visited = new Set();
        this.backward = new Set();
        this.changedNames = new Set();
        if (!this.applyScope(this.definition.questions, this.root, true)) break;
        changed = true;
        if (!this.backward.size && !this.restructured) break;
        // Everything else is up to date now (a full walk too): only what read a name too
        // early, or, after instances came or went, what read a changed name, is walked again.
        this.dirty = new Set(this.restructured ? this.changedNames : this.backward);
      }
    } finally {
      this.refreshing = false;
      this.dirty = null;
      this.restructured = false;
    }
    this.renderRepeats();
    this.updateReferences();
    if (changed && !quiet) this.notify();
  }

  /* The question (key, scope) an input belongs to in the answers model, or null. */
  entryOf(target) {
    const wrapper = target && target.closest && target.closest('[data-key]');
    const key = wrapper && wrapper.dataset.key;
    const found = key && this.scopes.get(key);
    if (!found || this.wrapperMap.get(key) !== wrapper) return null;
    // A field added since the page was read (a widget's): read everything again.
    if (target.name && !this.fields(target.name).includes(target)) return null;
    return { key, question: found.question, scope: found.scope };
  }

  /* Read one question's answer from the page into its scope; true if it changed. */
  reread(question, key, scope) {
    const name = question.name;
    const before = scope.own[name];
    const value = this.readValue(question, key);
    if (value === undefined) {
      delete scope.own[name];
      delete scope.answers[name];
    } else {
      scope.own[name] = value;
      scope.answers[name] = value;
    }
    if (question.or_other) {
      const other = this.fields(key + '_other').find((e) => !e.disabled);
      if (other && other.value.trim()) scope.own[name + '_other'] = other.value.trim();
      else delete scope.own[name + '_other'];
    }
    return !sameAnswer(before, value);
  }

  /* A name whose value changed: what reads it later in this walk sees it now (dirty);
   * what read it earlier needs another walk (backward). */
  changedName(name) {
    this.changedNames.add(name);
    if (this.dirty !== null) this.dirty.add(name);
    const readers = this.readers.get(name);
    if (readers) for (const reader of readers) if (this.visited.has(reader)) this.backward.add(name);
  }

  /* Show, hide, enable, disable, calculate and filter; true if any answer changed. */
  /* Whether a question must be recomputed: everything on a full refresh, else only what
   * reads a changed name, or sits in a group or repeat whose relevance changed. */
  stale(question, key, parentChanged) {
    if (this.dirty === null || parentChanged || !this.relevantCache.has(key)) return true;
    if (this.dirty.has(question.name)) return true; // its own answer (or_other, flags)
    const names = this.deps.get(question) || EMPTY;
    for (const name of names) if (this.dirty.has(name)) return true;
    return false;
  }

  applyScope(questions, scope, parentRelevant, parentChanged = false) {
    let changed = false;
    for (const question of questions) {
      const key = scope.prefix + question.name;
      this.visited.add(question.name);
      const stale = this.stale(question, key, parentChanged);
      const before = this.relevantCache.get(key);
      const relevant = stale
        ? parentRelevant && this.holds(question, 'relevant', this.context(scope))
        : before;
      this.relevantCache.set(key, relevant);
      const flipped = before !== relevant;
      const wrapper = this.wrapperMap.get(key);
      if (question.type === 'group') {
        if (wrapper) wrapper.hidden = !relevant;
        changed = this.applyScope(question.questions, scope, relevant, flipped && before !== undefined) || changed;
        continue;
      }
      if (relevant) this.relevant.add(key);
      if (question.type === 'repeat') {
        changed = this.applyRepeat(question, key, wrapper, scope, relevant, stale, flipped || parentChanged) || changed;
        continue;
      }
      if (!stale) continue;
      if (question.type === 'calculate') {
        const calculated = this.applyCalculation(question, key, wrapper, scope, relevant);
        if (calculated) this.changedName(question.name);
        changed = calculated || changed;
        continue;
      }
      if (!wrapper) continue;
      if (wrapper.hidden !== !relevant && wrapper.tagName !== 'INPUT') wrapper.hidden = !relevant;
      const inputs = this.applyInputs(question, key, wrapper, scope, relevant);
      const flags = question.compiled ? this.applyFlags(question, key, wrapper, scope, relevant) : false;
      // A field disabled, unchecked or calculated here changes the answer read from it.
      if ((inputs || flags) && this.reread(question, key, scope)) this.changedName(question.name);
      changed = inputs || flags || changed;
    }
    return changed;
  }

  /* required/read_only written as expressions, and a calculation on a question of any
   * type (ODK recomputes it whenever what it reads changes, as here). */
  applyFlags(question, key, wrapper, scope, relevant) {
    const compiled = question.compiled;
    const ctx = this.context(scope);
    if (compiled.required) {
      const required = relevant && this.holds(question, 'required', ctx);
      wrapper.toggleAttribute('data-required', required);
    }
    const inputs = [...(wrapper.matches('input') ? [wrapper] : wrapper.querySelectorAll('input, textarea'))];
    if (compiled.read_only) {
      const locked = this.holds(question, 'read_only', ctx);
      for (const input of inputs) {
        input.readOnly = locked;
        // readOnly does nothing to a choice: a click on it is refused instead (wire()).
        if (input.type === 'radio' || input.type === 'checkbox') input.toggleAttribute('data-locked', locked);
      }
    }
    if (!compiled.calculation || !relevant) return false;
    let value;
    try {
      value = normalise(evaluate(compiled.calculation, ctx));
    } catch (error) {
      return false;
    }
    const text = value === undefined || value === null ? '' : String(value);
    // As in ODK, the result is written when what it reads changes it, so the person's own
    // change (on an editable question) stands until then; a restored draft is taken as is.
    const previous = this.lastCalc.get(key);
    this.lastCalc.set(key, text);
    if (previous === text || this.adopting) return false;
    let changed = false;
    for (const input of inputs) {
      if (input.type === 'radio' || input.type === 'checkbox') {
        const on = text.split(' ').includes(input.value);
        if (input.checked !== on) {
          input.checked = on;
          changed = true;
        }
      } else if (input.value !== text) {
        input.value = text;
        changed = true;
      }
    }
    return changed;
  }

  /* Dynamic defaults (an expression in the default column), as ODK makes them: once, for
   * the questions of a new record when it opens, and for those of each repeat instance
   * when it is added (then in that instance: position(..) is its number). A default is not
   * a calculation: it fills an empty field once and follows nothing afterwards. */
  fillDynamicDefaults() {
    if (!this.definition) return;
    this.collect();
    this.fillDefaults(() => true);
  }

  /* Fill the empty fields of the questions `within(wrapper)` accepts; true if any was. */
  fillDefaults(within) {
    let filled = false;
    for (const [key, { scope, question }] of this.scopes) {
      const tree = question.compiled && question.compiled.dynamic_default;
      const wrapper = tree && this.wrapperMap.get(key);
      if (!wrapper || !within(wrapper)) continue;
      let value;
      try {
        value = normalise(evaluate(tree, this.context(scope)));
      } catch (error) {
        continue;
      }
      const input = wrapper.matches('input') ? wrapper : wrapper.querySelector('input, textarea');
      if (input && !input.value && value !== undefined && value !== null) {
        input.value = String(value);
        this.reread(question, key, scope);
        filled = true;
      }
    }
    return filled;
  }

  /* The defaults of instances added since the page was last read (after collect()). */
  fillNewInstances() {
    const items = this.newInstances.splice(0).filter((item) => item.isConnected);
    if (items.length) this.fillDefaults((wrapper) => items.some((item) => item.contains(wrapper)));
  }

  applyInputs(question, key, wrapper, scope, relevant) {
    let changed = false;
    const filter = relevant && question.compiled && question.compiled.choice_filter;
    const inputs = wrapper.matches('input') ? [wrapper] : wrapper.querySelectorAll('input, select, textarea');
    for (const input of inputs) {
      if (input.name === key + '_other') continue;
      let disabled = !relevant;
      if (filter && input.name === key && (input.type === 'radio' || input.type === 'checkbox')) {
        let shown = input.value === 'other' && question.or_other;
        if (!shown) {
          const row = this.choiceRow(question, input.value) || { name: input.value };
          shown = this.holdsTree(filter, this.context(scope, { choice: row }));
        }
        const label = input.closest('label');
        if (label) label.hidden = !shown;
        disabled = disabled || !shown;
        if (!shown && input.checked) {
          input.checked = false; // a choice no longer offered is no longer the answer
          changed = true;
        }
      }
      if (input.disabled !== disabled) {
        input.disabled = disabled;
        changed = true;
      }
    }
    if (question.or_other) {
      const value = scope.own[question.name];
      const picked = relevant && (value === 'other' || (Array.isArray(value) && value.includes('other')));
      for (const element of wrapper.querySelectorAll(`[name="${CSS.escape(key + '_other')}"], label.other`)) {
        element.hidden = !picked;
        if (element.matches('input') && element.disabled !== !picked) {
          element.disabled = !picked;
          changed = true;
        }
      }
    }
    return changed;
  }

  holdsTree(tree, ctx) {
    try {
      return truthy(evaluate(tree, ctx));
    } catch (error) {
      return true;
    }
  }

  applyCalculation(question, key, input, scope, relevant) {
    let value;
    if (relevant && question.compiled && question.compiled.calculation) {
      try {
        value = normalise(evaluate(question.compiled.calculation, this.context(scope)));
      } catch (error) {
        value = undefined;
      }
    }
    const before = this.calculated.get(key);
    const text = value === undefined ? '' : String(value);
    let changed = false;
    if (before !== value) {
      if (value === undefined) this.calculated.delete(key);
      else this.calculated.set(key, value);
      changed = true;
    }
    const name = question.name;
    if (value === undefined) {
      delete scope.own[name];
      delete scope.answers[name];
    } else {
      scope.own[name] = value;
      scope.answers[name] = value;
    }
    if (input) {
      if (input.value !== text) input.value = text;
      if (input.disabled !== !relevant) {
        input.disabled = !relevant;
        changed = true;
      }
    }
    return changed;
  }

  applyRepeat(question, key, fieldset, scope, relevant, stale = true, flipped = true) {
    if (!fieldset) return false;
    let changed = false;
    if (!stale) {
      for (const child of scope.children[question.name] || []) {
        changed = this.applyScope(question.questions, child, relevant) || changed;
      }
      return changed;
    }
    fieldset.hidden = !relevant;
    const counter = fieldset.querySelector(':scope > [data-repeat-count]');
    if (counter && counter.disabled !== !relevant) {
      counter.disabled = !relevant;
      changed = true;
    }
    const fixed = question.compiled && question.compiled.repeat_count;
    const add = fieldset.querySelector(':scope > [data-add-repeat]');
    if (add) add.hidden = Boolean(fixed);
    let resized = false;
    if (relevant && fixed) {
      let target = NaN;
      try {
        target = Number(toNumberish(evaluate(fixed, this.context(scope))));
      } catch (error) {
        target = NaN;
      }
      if (Number.isFinite(target)) {
        target = Math.max(0, Math.min(MAX_REPEAT, Math.trunc(target)));
        const count = this.items(fieldset).length;
        while (this.items(fieldset).length < target) {
          if (!this.addInstance(fieldset, { quiet: true })) break;
          changed = true;
        }
        while (this.items(fieldset).length > target) {
          this.removeInstance(this.items(fieldset).at(-1), { quiet: true });
          changed = true;
        }
        if (this.items(fieldset).length !== count) {
          // New scopes: the next walk reads the page again and does every instance anew.
          resized = true;
          this.restructured = true;
          for (const cached of [...this.relevantCache.keys()]) if (cached.startsWith(key + '[')) this.relevantCache.delete(cached);
        }
      }
    }
    const children = scope.children[question.name] || [];
    // Its instances are done again when its relevance flipped; otherwise each question in
    // them is done as anywhere (an instance just added is new to relevantCache, so whole).
    for (const child of resized ? [] : children) {
      changed = this.applyScope(question.questions, child, relevant, flipped) || changed;
    }
    if (changed) this.changedName(question.name);
    return changed;
  }

  // -- repeats -----------------------------------------------------------------------------

  addInstance(fieldset, { quiet = false } = {}) {
    const list = fieldset.querySelector(':scope > .repeat-items');
    const index = this.items(fieldset).length;
    if (!list || index >= MAX_REPEAT) return null;
    const item = instanceFromTemplate(fieldset, index);
    if (!item) return null;
    list.append(item);
    const counter = fieldset.querySelector(':scope > [data-repeat-count]');
    if (counter) counter.value = String(index + 1);
    this.translate(item);
    fieldset.dispatchEvent(new CustomEvent('survey:repeat-added', { bubbles: true, detail: { item, index } }));
    if (!quiet) {
      this.refresh({ quiet: true });
      this.notify();
    }
    return item;
  }

  removeInstance(item, { quiet = false } = {}) {
    const fieldset = item && item.closest('fieldset[data-type="repeat"]');
    if (!fieldset) return;
    const items = this.items(fieldset);
    const index = items.indexOf(item);
    const key = fieldset.dataset.key;
    item.remove();
    items.slice(index + 1).forEach((later, offset) => renumber(later, key, index + 1 + offset, index + offset));
    this.lastCalc = shiftKeys(this.lastCalc, key, index);
    const counter = fieldset.querySelector(':scope > [data-repeat-count]');
    if (counter) counter.value = String(items.length - 1);
    if (quiet) return;
    this.refresh({ quiet: true });
    this.notify();
    const next = this.items(fieldset)[index] || this.items(fieldset)[index - 1];
    const target = next ? next.querySelector('[data-remove-repeat]') : fieldset.querySelector('[data-add-repeat]');
    if (target) target.focus();
    else fieldset.querySelector('legend')?.focus?.();
  }

  focusFirst(item) {
    const first = item.querySelector('input:not([type=hidden]):not([disabled]), textarea, select');
    if (first) first.focus();
  }

  renderRepeats() {
    for (const fieldset of this.form.querySelectorAll('fieldset[data-type="repeat"]')) {
      const question = this.byName.get(fieldset.dataset.name);
      if (!question) continue;
      const fixed = Boolean(question.compiled && question.compiled.repeat_count);
      const title = this.text(question.label) || question.name;
      this.items(fieldset).forEach((item, index) => {
        const heading = item.querySelector(':scope > .repeat-title');
        if (heading && (heading.textContent !== `${title} ${index + 1}` || !heading.querySelector('span'))) {
          // form.js's clone rewrites the title as plain text; put the translatable span back.
          heading.replaceChildren(span('repeat-title', title), ` ${index + 1}`);
        }
        const remove = item.querySelector(':scope > [data-remove-repeat]');
        if (remove) {
          remove.hidden = fixed;
          const words = t('Remove {title} {n}', { title, n: index + 1 });
          if (remove.textContent !== words) remove.textContent = words;
        }
      });
    }
  }

  // -- languages and texts -----------------------------------------------------------------

  setLanguage(code, { persist = true, quiet = false } = {}) {
    const languages = this.definition.languages || [this.definition.default_language];
    if (!languages.includes(code)) return;
    this.lang = code;
    const dir = RTL.has(code.split('-')[0]) ? 'rtl' : 'ltr';
    this.form.lang = code;
    this.form.dir = dir;
    this.form.dataset.lang = code;
    const field = this.form.querySelector('input[name="_lang"]');
    if (field) field.value = code;
    for (const element of document.querySelectorAll('[data-tr="title"], [data-tr="description"]')) {
      if (this.form.contains(element)) continue;
      this.render(element, this.definition[element.dataset.tr]);
      element.lang = code;
      element.dir = dir;
    }
    if (document.querySelector('h1[data-tr="title"]')) document.title = this.text(this.definition.title);
    for (const link of document.querySelectorAll('nav[data-form-langs] a[data-lang]')) {
      if (link.dataset.lang === code) link.setAttribute('aria-current', 'true');
      else link.removeAttribute('aria-current');
      const nav = link.closest('nav');
      const current = nav.querySelector('[data-lang-current]');
      if (link.dataset.lang === code && current) {
        current.textContent = link.textContent;
        current.lang = code;
      }
      const fold = nav.querySelector('details');
      if (fold && !quiet) fold.open = false; // chosen: fold the choice back into its line
    }
    this.translate(this.form);
    if (this.root) this.updateReferences();
    for (const message of this.form.querySelectorAll('[data-logic-error]')) {
      const wrapper = message.closest('[data-key]');
      if (wrapper) this.check(wrapper.querySelector('input, select, textarea'));
    }
    if (persist) {
      storage((s) => s.setItem(LANG_KEY, code));
      // One choice per person: the next page from the server follows it (see lang.js).
      document.cookie = `lang=${code}; max-age=31536000; path=/; samesite=lax`;
    }
    if (!quiet) this.notify();
  }

  translate(root) {
    for (const element of root.querySelectorAll('[data-tr], [data-tr-choice]')) {
      const wrapper = element.closest('[data-key]');
      const question = wrapper && this.byName.get(wrapper.dataset.name);
      if (!question) continue;
      if (element.dataset.trChoice !== undefined) {
        const row = this.choiceRow(question, element.dataset.trChoice);
        if (row) element.textContent = row.label;
        continue;
      }
      const kind = element.dataset.tr;
      if (kind === 'label' || kind === 'hint') this.render(element, question[kind]);
      else if (kind === 'repeat-title') element.textContent = this.text(question.label) || question.name;
    }
  }

  /* Put a text in an element; ${name} becomes a live reference to that answer. */
  render(element, value) {
    const text = this.text(value);
    if (!text.includes('${') && !/[*_[]/.test(text)) {
      element.textContent = text;
      return;
    }
    // Markdown marks first (survey_app/capture/markdown.py), then ${name} references.
    const nodes = [];
    for (const piece of markdownNodes(text)) {
      if (typeof piece !== 'string') {
        nodes.push(piece);
        continue;
      }
      for (const part of piece.split(/(\$\{[A-Za-z_][A-Za-z0-9_.-]*\})/)) {
        const match = /^\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/.exec(part);
        if (!match) {
          nodes.push(document.createTextNode(part));
          continue;
        }
        const reference = document.createElement('span');
        reference.dataset.ref = match[1];
        nodes.push(reference);
      }
    }
    element.replaceChildren(...nodes);
  }

  updateReferences() {
    for (const reference of document.querySelectorAll('span[data-ref]')) {
      const wrapper = reference.closest('[data-key]');
      const entry = wrapper && this.scopes.get(wrapper.dataset.key);
      const scope = entry ? entry.scope : this.root;
      reference.textContent = scope ? toString(lookup(scope.answers, reference.dataset.ref)) : '';
    }
  }

  // -- checking answers --------------------------------------------------------------------

  problems(question, scope, value, withRequired) {
    if (value === undefined) {
      if (!withRequired || !question.required) return [];
      if (typeof question.required === 'string' && !this.holds(question, 'required', this.context(scope))) return [];
      const own = this.text(question.required_message);
      return [own ? `${t('This answer is required.')} ${own}` : t('This answer is required.')];
    }
    const type = question.type;
    if (type === 'integer' && typeof value !== 'number') return [t('Must be a whole number.')];
    if (type === 'decimal' && typeof value !== 'number') return [t('Must be a number.')];
    if (typeof value === 'number' || type === 'date') {
      if (question.min !== undefined && question.min !== null && value < question.min) return [t('Must be at least {n}.', { n: question.min })];
      if (question.max !== undefined && question.max !== null && value > question.max) return [t('Must be at most {n}.', { n: question.max })];
    }
    if (type === 'text' && typeof value === 'string') {
      if (question.max_length && value.length > question.max_length) return [t('At most {n} characters.', { n: question.max_length })];
      if (question.min_length && value.length < question.min_length) return [t('At least {n} characters.', { n: question.min_length })];
    }
    const tree = question.compiled && question.compiled.constraint;
    if (tree && !this.holdsTree(tree, this.context(scope, { self: value }))) {
      return [this.text(question.constraint_message) || t('Does not meet the condition {condition}.', { condition: question.constraint })];
    }
    return [];
  }

  /* Show (or clear) the messages of the question a field belongs to, as it is left. */
  check(target) {
    if (!this.definition || !target || !target.closest) return;
    const wrapper = target.closest('[data-key]');
    if (!wrapper || wrapper.matches('input') || NO_ANSWER.has(wrapper.dataset.type)) return;
    const entry = this.scopes.get(wrapper.dataset.key);
    if (!entry) return;
    const { scope, question } = entry;
    const relevant = this.relevant.has(wrapper.dataset.key);
    const messages = relevant ? this.problems(question, scope, scope.own[question.name], false) : [];
    this.show(wrapper, messages);
  }

  show(wrapper, messages) {
    const id = fieldId(wrapper.dataset.key) + '-logic-error';
    let note = wrapper.querySelector(':scope > [data-logic-error]');
    const inputs = wrapper.querySelectorAll('input:not([type=hidden]), select, textarea');
    if (!messages.length) {
      if (note) note.remove();
      for (const input of inputs) {
        const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
        if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
        else input.removeAttribute('aria-describedby');
        if (!wrapper.querySelector('.error')) input.removeAttribute('aria-invalid');
      }
      if (!wrapper.querySelector('.error')) wrapper.classList.remove('has-error');
      return;
    }
    if (!note) {
      note = document.createElement('p');
      note.className = 'error';
      note.id = id;
      note.dataset.logicError = '';
      note.setAttribute('role', 'alert');
      const anchor = wrapper.querySelector(':scope > .hint') || wrapper.querySelector(':scope > legend, :scope > label');
      if (anchor) anchor.after(note);
      else wrapper.prepend(note);
    }
    note.textContent = messages.join(' ');
    wrapper.classList.add('has-error');
    for (const input of inputs) {
      const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter((x) => x);
      if (!ids.includes(id)) input.setAttribute('aria-describedby', [...ids, id].join(' '));
      input.setAttribute('aria-invalid', 'true');
    }
  }

  /* Every problem a finalised record would have: {key: [message]}. Stamps `end`. */
  validate() {
    if (!this.definition) return {};
    for (const input of this.form.querySelectorAll('input[type=hidden][data-type="end"]')) {
      input.value = new Date().toISOString();
    }
    this.refresh();
    const problems = {};
    for (const [key, { scope, question }] of this.scopes) {
      if (NO_ANSWER.has(question.type) || !this.relevant.has(key)) continue;
      const emptyInstance = scope.position !== null && !Object.keys(scope.own).some((k) => !this.isCalculated(k));
      const messages = this.problems(question, scope, scope.own[question.name], !emptyInstance);
      if (messages.length) problems[key] = messages;
    }
    this.form.querySelectorAll('[data-logic-error]').forEach((note) => note.remove());
    return problems;
  }

  isCalculated(name) {
    const question = this.byName.get(name);
    return Boolean(question && question.type === 'calculate');
  }
}

/* Answers as the sync API takes them: empty repeat entries and empty repeats left out. */
const EMPTY = new Set();

/** question -> the names its expressions read (relevant, calculation, constraint, ...):
 * the dependency graph a keystroke's recomputation follows. */
function dependencies(questions) {
  const deps = new Map();
  const walk = (list) => {
    for (const question of list) {
      const names = new Set();
      for (const tree of Object.values(question.compiled || {})) for (const name of references(tree)) names.add(name);
      deps.set(question, names);
      if (question.questions) walk(question.questions);
    }
  };
  walk(questions);
  return deps;
}

/** name -> the names of the questions whose expressions read it (the graph reversed). */
function readersOf(deps) {
  const readers = new Map();
  for (const [question, names] of deps) {
    for (const name of names) {
      if (!readers.has(name)) readers.set(name, new Set());
      readers.get(name).add(question.name);
    }
  }
  return readers;
}

function sameAnswer(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

/** The question an input belongs to (its wrapper's data-name), or null for "everything". */
function changedName(target) {
  const wrapper = target && target.closest && target.closest('[data-name]');
  return wrapper ? wrapper.dataset.name : null;
}

function clean(own) {
  const out = {};
  for (const [name, value] of Object.entries(own)) {
    if (!Array.isArray(value) || (value.length && typeof value[0] !== 'object')) {
      out[name] = value;
      continue;
    }
    const items = value.map(clean).filter((item) => Object.keys(item).length);
    if (items.length) out[name] = items;
  }
  return out;
}

function span(kind, text) {
  const element = document.createElement('span');
  element.dataset.tr = kind;
  element.textContent = text;
  return element;
}

function lookup(answers, name) {
  for (let scope = answers; scope; scope = Object.getPrototypeOf(scope)) {
    if (Object.prototype.hasOwnProperty.call(scope, name)) return scope[name];
  }
  return null;
}

function toNumberish(value) {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = toString(value).trim();
  return /^-?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
}

/* A calculation's value, as the server normalises it (survey_app/engine/logic.py). */
function normalise(result) {
  if (typeof result === 'boolean') return result ? 'true' : 'false';
  if (typeof result === 'number') return Number.isFinite(result) ? result : undefined;
  const text = toString(result);
  return text === '' ? undefined : text;
}

/* A map by key after instance `removed` of repeat `key` went: later instances move up. */
function shiftKeys(map, key, removed) {
  const moved = new Map();
  const pattern = new RegExp('^' + key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\[(\\d+)\\]\\.');
  for (const [name, value] of map) {
    const match = pattern.exec(name);
    if (!match) moved.set(name, value);
    else if (Number(match[1]) > removed) moved.set(`${key}[${Number(match[1]) - 1}].` + name.slice(match[0].length), value);
    else if (Number(match[1]) < removed) moved.set(name, value);
  }
  return moved;
}

/* Give a repeat instance a new index: names, ids and labels move with it. */
function renumber(item, key, from, to) {
  const names = [`${key}[${from}].`, `${key}[${to}].`];
  const ids = [`${fieldId(key)}-${from}-`, `${fieldId(key)}-${to}-`];
  const move = (value, [old, now]) => (value.startsWith(old) ? now + value.slice(old.length) : value);
  for (const element of [item, ...item.querySelectorAll('*')]) {
    for (const attribute of ['name', 'data-key']) {
      const value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, move(value, names));
    }
    for (const attribute of ['id', 'for']) {
      const value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, move(value, ids));
    }
    const described = element.getAttribute('aria-describedby');
    if (described) {
      element.setAttribute('aria-describedby', described.split(' ').map((id) => move(id, ids)).join(' '));
    }
  }
  item.dataset.index = String(to);
}

// The form page loads this module on its own too: attach as soon as it runs.
const auto = document.querySelector('script[data-formlogic-auto]');
const page = document.querySelector('form.survey-form');
if (auto && page) attachLogic(page);
