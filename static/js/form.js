/* The form page, offline: a phone-made id, autosave of every change to IndexedDB,
 * resuming a draft (?draft=<id>), adding repeat instances, finalising into the outbox
 * with client-side checks of required answers, and sync in the background.
 *
 * The page is the server-rendered form (it posts normally when JavaScript is off or
 * broken); this script only takes over once the store opened. A form page served from
 * the cache carries a stale _id and _started_at, so a new draft gets fresh ones here.
 *
 * Skip logic hook: the optional module ./formlogic.js may export
 *   attachLogic(formElement, {definition, onChange}) -> (a promise of) optional
 *     {validate() -> {key: [messages]}}
 * `definition` is the survey's definition JSON (the page's inline copy, else fetched; null
 * if neither); call `onChange()` after changing fields from code (calculations, cleared
 * answers) so they are autosaved. The module works through the page: it disables the
 * fields of questions that do not apply (FormData, hence the saved data, leaves them out)
 * and writes calculations into their hidden inputs (saved as answers); fields inside
 * [hidden], [disabled] or [inert] are not checked for required answers; validate() adds
 * its messages (types, constraints) before a record may be finalised.
 * The form dispatches `survey:restored` after a draft is put back and
 * `survey:repeat-added` (detail {item, index}) when a repeat instance is added, and
 * `survey:defaults` once a new record's defaults (today's date, metadata) are filled.
 *
 * A public link's form (data-link-token) is filled on phones that groups share, so it
 * keeps nothing the next person could find: no draft id in the address or the history
 * (the draft follows its page only through the page's own language switch and an update,
 * by a one-time hand-over in sessionStorage that the next page consumes), a new page load
 * always starts empty, unfinished answers older than data-draft-hours are deleted, and
 * "Delete my answers from this phone" empties its store. See docs/public-links.md.
 */
import {
  askPersistence,
  onSyncChange,
  openStore,
  registerBackgroundSync,
  registerWorker,
  requestSync,
  spaceIsLow,
  startAutoSync,
  storageInfo,
  user,
} from './offline.js';
import { clearErrorsWhenAnswered, describe, sectionNavigation, showConnection } from './formhelp.js';
import { addRepeatInstance, fieldId, inlineDefinition, readAnswers, restore, snapshot } from './formread.js';
import { t, tn } from './i18n.js';

const form = document.querySelector('form.survey-form');
const publicForm = Boolean(form && form.dataset.linkToken);
let pub = null; // ./publicform.js, loaded for a public link's form only
if (form && user && form.dataset.correction) startCorrection(form);
else if (form && user) start(form);

/* A coordinator's correction (data-correction): the record reopened in its form page. The
   same skip logic, calculations and checks run, but nothing goes to this phone's drafts or
   outbox: the checked form posts to the server, which validates it as a sync and keeps the
   original answers. */
function startCorrection(form) {
  const logicReady = import('./formlogic.js')
    .then((module) => (typeof module.attachLogic === 'function' ? module.attachLogic(form, {}) : null))
    .catch(() => null);
  clearErrorsWhenAnswered(form);
  form.addEventListener('submit', async (event) => {
    if (event.submitter && event.submitter.hasAttribute('data-add-repeat')) {
      event.preventDefault(); // formlogic.js adds the instance in the page
      return;
    }
    event.preventDefault();
    clearProblems();
    const logic = await logicReady;
    let problems = requiredProblems();
    if (logic && typeof logic.validate === 'function') {
      try {
        problems = { ...problems, ...(logic.validate() || {}) };
      } catch (error) {
        /* the server checks again */
      }
    }
    if (Object.keys(problems).length) {
      showProblems(problems);
      return;
    }
    HTMLFormElement.prototype.submit.call(form); // no submit event: this is the real post
  });
}

/* Which draft this page continues: a public form only the one handed over to it; a
   facilitator's form the ?draft= of its address (their phone is theirs, behind a sign-in). */
async function draftToResume(store) {
  if (publicForm) {
    const handed = pub.takeHandover();
    const record = handed ? await store.get(handed).catch(() => null) : null;
    return { record: record && record.state === 'draft' ? record : null };
  }
  const asked = new URLSearchParams(location.search).get('draft');
  const record = asked ? await store.get(asked).catch(() => null) : null;
  if (asked && (!record || record.state !== 'draft')) {
    return {
      record: null,
      note: record
        ? t('That record is already finished; this is a new one.')
        : t('That draft is not on this phone; this is a new record.'),
    };
  }
  return { record };
}

function newId() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function deviceId() {
  try {
    let id = localStorage.getItem('survey-app-device');
    if (!id) {
      id = newId();
      localStorage.setItem('survey-app-device', id);
    }
    return id;
  } catch (error) {
    return null;
  }
}

function field(name) {
  return form.querySelector(`input[name="${name}"]`);
}

function message(text, kind = 'warning') {
  let box = document.getElementById('offline-notice');
  if (!box) {
    box = document.createElement('div');
    box.id = 'offline-notice';
    form.before(box);
  }
  box.className = kind;
  box.setAttribute('role', kind === 'warning' ? 'alert' : 'status');
  box.textContent = text;
}

async function start(form) {
  let store;
  try {
    store = await openStore();
  } catch (error) {
    message(
      t(
        'This phone cannot save drafts here (its browser storage is unavailable). ' +
          'Nothing you type is kept until you press “Finish and send” with a connection.',
      ),
    );
    return; // the form keeps its normal, online-only post
  }
  storageInfo().then((info) => {
    if (spaceIsLow(info)) {
      message(
        t(
          'This phone is almost out of space: drafts may not be saved. ' +
            'Free some space, or send your records before starting a new one.',
        ),
      );
    }
  });
  askPersistence();
  if (publicForm) {
    pub = await import('./publicform.js');
    await pub.startPublic(form, store);
  }

  const params = new URLSearchParams(location.search);
  const { record, note } = await draftToResume(store);
  if (note) message(note, 'status');
  if (record && record.version && record.version !== form.dataset.version) {
    // A draft keeps the version it was started on: open that version's page when we can;
    // offline, keep this page but save and send the draft under its own version.
    if (navigator.onLine && params.get('version') !== record.version) {
      const url = new URL(location.href);
      url.searchParams.set('version', record.version);
      if (publicForm) pub.handOver(record.id);
      location.replace(url.pathname + url.search);
      return;
    }
    form.dataset.version = record.version;
    message(`This draft was started on version ${record.version} of the form; it is kept and sent as that version.`, 'status');
  }
  const id = record ? record.id : newId();
  const startedAt = record ? record.meta.started_at : new Date().toISOString();
  // A public link's page carries the server's ticket (issued while the link was open);
  // a draft restored on a page without one (an old cached copy) keeps its own.
  if (!form.dataset.linkTicket && record && record.meta.link_ticket) form.dataset.linkTicket = record.meta.link_ticket;
  field('_id').value = id;
  field('_started_at').value = startedAt;
  sectionNavigation(form, () => field('_id').value);
  if (record) {
    restore(form, record.fields || []);
    form.dispatchEvent(new CustomEvent('survey:restored', { detail: { id } }));
  } else {
    form.querySelectorAll('input[data-default-today]').forEach((input) => {
      if (!input.value) input.value = localToday();
    });
    fillMetadata({ start: startedAt, today: localToday(), deviceid: deviceId(), username: user });
    form.dispatchEvent(new CustomEvent('survey:defaults')); // today's date counts as answered
  }
  const saver = autosaver(store, id, startedAt, Boolean(record));
  wire(store, saver, id);
  registerWorker({
    auto: false,
    beforeUpdate: () => saver.flush(),
    reloadUrl: () => {
      if (publicForm && saver.exists()) pub.handOver(id);
      return draftUrl(id, saver.exists());
    },
    updateText: publicForm ? pub.pt('update_ready') : null,
  });
  attachOptionalLogic(saver);
  attachCaptureWidgets(store, saver);
  clearErrorsWhenAnswered(form);
  showConnection(form);
  startAutoSync();
  if (publicForm) {
    keepLinkPages();
    pub.wireForget(form, store, saver);
  }
}

/* A public link's pages are named in no precache list: ask the worker to keep them. */
function keepLinkPages() {
  if (!('serviceWorker' in navigator)) return;
  const media = [...document.querySelectorAll('[data-form-media]')].map((element) => element.getAttribute('src'));
  const urls = [location.pathname + location.search, form.dataset.definitionUrl, form.dataset.thanksUrl, ...media];
  navigator.serviceWorker.ready.then((registration) => {
    if (registration.active) registration.active.postMessage({ type: 'keep', urls });
  });
}

function localToday() {
  return new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

/* Metadata questions (start, end, today, deviceid, username) are hidden inputs the
   server renders empty; the phone fills them in, as ODK Collect does. */
function fillMetadata(values) {
  for (const [type, value] of Object.entries(values)) {
    form.querySelectorAll(`input[type=hidden][data-type="${type}"]`).forEach((input) => {
      input.value = value || '';
    });
  }
}

function draftUrl(id, exists) {
  const url = new URL(location.href);
  url.searchParams.delete('draft');
  if (exists) url.searchParams.set('draft', id);
  return url.pathname + url.search;
}

function buildRecord(id, startedAt) {
  return {
    id,
    survey: form.dataset.survey,
    version: form.dataset.version,
    title: titled((document.querySelector('h1') || {}).textContent || form.dataset.survey),
    lang: form.dataset.lang,
    data: readAnswers(form, { calculations: true }),
    fields: snapshot(form),
    sync_url: form.dataset.syncUrl || undefined, // a public link's own endpoint (never sent)
    files: fileNames(), // kept in the 'files' store; the record goes once they are all sent
    meta: {
      started_at: startedAt,
      device_id: form.dataset.linkToken ? null : deviceId(), // anonymous: no phone id at all
      link_ticket: form.dataset.linkTicket || undefined, // the server's proof the link was open
      app_version: form.dataset.appVersion || 'web',
      account: user,
    },
  };
}

/* The form's title and what tells this record apart (date, venue, ward...): the lists of
   drafts, records waiting and records sent show it after days offline. */
function titled(title) {
  const summary = describe(form);
  return summary ? `${title.trim()} — ${summary}` : title;
}

/* Saves one change at a time, and again if more came in meanwhile: never a lost change,
   never two writes racing. A keystroke does not save at once: reading the whole form for
   the draft was the costliest thing a keystroke did on a large form. Changes are saved
   once typing pauses for SAVE_DELAY_MS (and at least every SAVE_MAX_WAIT_MS while it goes
   on), when the phone is idle, and at once on flush() (finishing, leaving the page,
   switching language). Until then the state says `pending`, never `saved`. */
const SAVE_DELAY_MS = 300;
const SAVE_MAX_WAIT_MS = 2000;

function autosaver(store, id, startedAt, exists) {
  let saving = null;
  let dirty = false;
  let saved = exists;
  let stopped = false;
  let timer = null;
  let waiting = null; // when the oldest unsaved change came
  const state = document.createElement('p');
  state.className = 'save-state';
  state.dataset.saveState = exists ? 'saved' : 'new';
  state.textContent = exists ? t('Draft restored from this phone.') : t('Answers are saved on this phone as you type.');
  form.prepend(state);

  async function loop() {
    while (dirty && !stopped) {
      dirty = false;
      try {
        const started = performance.now();
        const record = buildRecord(id, startedAt);
        performance.measure('survey-draft-build', { start: started }); // the main thread's part
        await store.saveDraft(record);
        // A facilitator's address names the draft (reload resumes it); a public one never does.
        if (!saved && !publicForm) history.replaceState(history.state, '', draftUrl(id, true));
        saved = true;
        if (!dirty) state.dataset.saveState = 'saved';
        state.textContent = t('Saved on this phone at {time}.', { time: new Date().toLocaleTimeString() });
      } catch (error) {
        state.dataset.saveState = 'error';
        if (error instanceof self.SurveyStore.FinalisedError) {
          stopped = true;
          message(t('This record was already finished in another window; changes here are not kept.'));
        } else {
          message(t('Could not save on this phone ({reason}). Free some space, then keep typing.', { reason: error.name || error }));
        }
      }
    }
  }

  /* One loop at a time; `saving` is cleared when it ends, even when it ends at once
     (stopped): a promise kept there after its end made flush() wait on it forever. */
  function run() {
    const current = loop();
    saving = current;
    current.finally(() => {
      if (saving === current) saving = null;
    });
    return current;
  }

  function start() {
    timer = null;
    waiting = null;
    if (!saving && dirty) run();
    return saving;
  }

  function schedule() {
    if (stopped) return;
    const now = Date.now();
    if (waiting === null) waiting = now;
    clearTimeout(timer);
    const delay = Math.max(0, Math.min(SAVE_DELAY_MS, waiting + SAVE_MAX_WAIT_MS - now));
    const idle = self.requestIdleCallback ? () => requestIdleCallback(start, { timeout: SAVE_DELAY_MS }) : start;
    timer = setTimeout(idle, delay);
  }

  return {
    change() {
      dirty = true;
      if (!stopped && state.dataset.saveState !== 'error') state.dataset.saveState = 'pending';
      schedule();
    },
    async flush() {
      clearTimeout(timer);
      timer = null;
      waiting = null;
      while (saving) await saving;
      if (dirty) await run();
    },
    exists: () => saved,
    stop() {
      stopped = true;
    },
  };
}

function wire(store, saver, id) {
  form.addEventListener('input', () => saver.change());
  form.addEventListener('change', () => saver.change());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saver.flush();
  });
  window.addEventListener('pagehide', () => saver.flush());
  form.addEventListener('click', (event) => {
    const button = event.target.closest('[data-add-repeat]');
    if (!button) return;
    event.preventDefault();
    const fieldset = button.closest('fieldset[data-type="repeat"]');
    if (fieldset && addRepeatInstance(fieldset)) saver.change();
  });
  // Switching language keeps this draft (the page is served again in the other language).
  document.querySelectorAll('.langs a[data-lang]').forEach((link) => {
    link.addEventListener('click', async (event) => {
      event.preventDefault();
      await saver.flush();
      const url = new URL(link.href, location.href);
      if (saver.exists() && publicForm) pub.handOver(id);
      else if (saver.exists()) url.searchParams.set('draft', id);
      location.assign(url.pathname + url.search);
    });
  });
  form.addEventListener('submit', (event) => {
    if (event.submitter && event.submitter.hasAttribute('data-add-repeat')) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    finalise(store, saver, id);
  });
}

let logic = null;

/* The page's inline copy of the definition, else the one the worker keeps offline. */
async function loadDefinition() {
  const inline = inlineDefinition();
  if (inline) return inline;
  return fetch(form.dataset.definitionUrl, { credentials: 'same-origin' })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);
}

function attachOptionalLogic(saver) {
  import('./formlogic.js')
    .then(async (module) => {
      if (typeof module.attachLogic !== 'function') return;
      const definition = await loadDefinition(); // only when there is logic to run
      logic = (await module.attachLogic(form, { definition, onChange: () => saver.change() })) || null;
    })
    .catch(() => {
      /* no skip logic module (yet): the form works without it */
    });
}

/* Photos, recordings, signatures, barcodes, locations: their code is loaded only when
   this form has such a question (capture/index.js loads each kind's own module). */
function attachCaptureWidgets(store, saver) {
  if (!form.querySelector('[data-capture]')) return;
  import('./capture/index.js')
    .then((module) =>
      module.attachCapture(form, {
        store: Promise.resolve(store),
        recordId: () => field('_id').value,
        anonymous: Boolean(form.dataset.linkToken),
        onChange: () => saver.change(),
      }),
    )
    .catch(() => {
      /* without the widgets the pickers and text boxes still work */
    });
}

/* The names of the files the answers hold (questions that apply only). */
function fileNames() {
  return [...form.querySelectorAll('input[data-file-answer]')]
    .filter((input) => !input.disabled && input.value)
    .map((input) => input.value);
}

/* ---- finalising ---- */

function visible(element) {
  return !element.closest('[hidden], [disabled], [inert]');
}

function answered(wrapper) {
  for (const input of wrapper.querySelectorAll('input, textarea, select')) {
    if (input.disabled || input.name.endsWith('_other')) continue;
    if (input.type === 'hidden' && !input.hasAttribute('data-file-answer')) continue;
    if (input.type === 'radio' || input.type === 'checkbox') {
      if (input.checked) return true;
    } else if (input.value.trim() !== '') {
      return true;
    }
  }
  return false;
}

function requiredProblems() {
  const problems = {};
  for (const wrapper of form.querySelectorAll('[data-key][data-type]')) {
    const required =
      wrapper.hasAttribute('data-required') ||
      wrapper.querySelector(':scope > label .req, :scope > legend .req');
    if (!required || !visible(wrapper) || answered(wrapper)) continue;
    const instance = wrapper.closest('.repeat-item');
    if (instance && !answered(instance)) continue; // an empty instance is left out, as on the server
    problems[wrapper.dataset.key] = [t('This answer is required.')];
  }
  return problems;
}

function clearProblems() {
  form.querySelectorAll('[data-client-error]').forEach((element) => element.remove());
  form.querySelectorAll('.has-error[data-client-flagged]').forEach((element) => {
    element.classList.remove('has-error');
    element.removeAttribute('data-client-flagged');
  });
  const summary = document.getElementById('client-errors');
  if (summary) summary.remove();
}

function showProblems(problems) {
  const keys = Object.keys(problems);
  const summary = document.createElement('div');
  summary.id = 'client-errors';
  summary.className = 'error-summary';
  summary.setAttribute('role', 'alert');
  summary.tabIndex = -1;
  summary.innerHTML = '<h2></h2><ul></ul>';
  summary.querySelector('h2').textContent = tn(keys.length, 'Please check 1 answer', 'Please check {n} answers');
  for (const key of keys) {
    const wrapper = form.querySelector(`[data-key="${CSS.escape(key)}"]`);
    const label = wrapper && wrapper.querySelector('label, legend');
    const target = wrapper && wrapper.querySelector('input:not([type=hidden]), textarea, select');
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '#' + (target ? target.id : fieldId(key));
    const name = label ? label.cloneNode(true) : null; // without "*" and "(required)", in any language
    if (name) name.querySelectorAll('.req, .sr').forEach((mark) => mark.remove());
    link.textContent = (name ? name.textContent.trim() : key) + ': ' + problems[key].join(' ');
    item.append(link);
    summary.querySelector('ul').append(item);
    if (wrapper) {
      const note = document.createElement('p');
      note.className = 'error';
      note.dataset.clientError = '';
      note.textContent = problems[key].join(' ');
      (wrapper.querySelector(':scope > legend, :scope > label') || wrapper.firstElementChild).after(note);
      if (!wrapper.classList.contains('has-error')) {
        wrapper.classList.add('has-error');
        wrapper.dataset.clientFlagged = '';
      }
    }
  }
  form.before(summary);
  summary.focus();
}

async function finalise(store, saver, id) {
  clearProblems();
  let problems = requiredProblems();
  if (logic && typeof logic.validate === 'function') {
    try {
      problems = { ...problems, ...(logic.validate() || {}) };
    } catch (error) {
      /* the server checks again */
    }
  }
  if (Object.keys(problems).length) {
    showProblems(problems);
    return;
  }
  fillMetadata({ end: new Date().toISOString() });
  await saver.flush();
  saver.stop();
  const record = buildRecord(id, field('_started_at').value);
  record.meta.finalized_at = new Date().toISOString();
  try {
    await store.finalise(record);
  } catch (error) {
    message(
      publicForm
        ? pub.pt('keep_failed')
        : t('Could not put the record in the outbox ({reason}). Sending it straight to the server.', {
            reason: error.name || error,
          }),
    );
    HTMLFormElement.prototype.submit.call(form); // the no-JavaScript path, online
    return;
  }
  if (self.SurveyUpload) await self.SurveyUpload.prune(store, id, record.files).catch(() => {}); // replaced photos
  history.replaceState(history.state, '', draftUrl(id, false));
  const update = confirmFinalised(store, id);
  requestSync().then(update, update);
  registerBackgroundSync();
}

/* The confirmation after "Finish and send": waiting on this phone until the server
   acknowledged the record, then received (or refused, with the server's message). It
   follows every sync on the phone (this page, another tab, the worker). */
function confirmFinalised(store, id) {
  const url = new URL(location.href);
  const panel = document.createElement('section');
  panel.className = 'finalised';
  panel.id = 'finalised';
  panel.setAttribute('role', 'status');
  panel.tabIndex = -1;
  panel.innerHTML =
    '<h2></h2><p data-saved></p>' +
    '<p><a class="button primary" data-another></a>' +
    (publicForm ? '' : ' <a class="button" href="/" data-home></a>') + // no home for a public link
    '</p>';
  panel.querySelector('[data-another]').textContent = publicForm ? pub.pt('thanks_again') : t('Start another');
  if (panel.querySelector('[data-home]')) panel.querySelector('[data-home]').textContent = t('Home');
  panel.querySelector('[data-another]').href = url.pathname + url.search;
  let shown = null;
  const show = (state, record) => {
    if (state === shown) return;
    shown = state;
    panel.dataset.state = state;
    const [title, sentence] = publicForm ? pub.confirmationWords(state, record) : staffWords(state, record, id);
    panel.querySelector('h2').textContent = title;
    panel.querySelector('[data-saved]').replaceChildren(...sentence);
  };
  show('waiting', null);
  form.hidden = true;
  const state = document.querySelector('.save-state');
  if (state) state.remove();
  form.after(panel);
  panel.focus();
  const update = async () => {
    if (shown === 'sent') return;
    const record = await store.get(id).catch(() => undefined);
    // Gone from the store: acknowledged, then pruned from the short list of sent records.
    if (!record || record.state === 'sent') show('sent', record);
    else if (record.refused) show('refused', record);
    // Set aside by the server for now (a closed link, an unreadable record): say why.
    else if (record.problem && publicForm) show('problem', record);
  };
  onSyncChange(() => update());
  return update;
}

/* A facilitator's words: the reference stays in a <code>, inside the translated sentence. */
function staffWords(state, record, id) {
  let title = t('Saved in the outbox');
  let sentence = t(
    'The record is on this phone (reference {ref}) and will be sent as soon as there is ' +
      'a connection. You can close the app.',
  );
  if (state === 'sent') {
    title = t('Sent');
    sentence = t('The server has received the record (reference {ref}).');
  } else if (state === 'refused') {
    title = t('Refused by the server');
    sentence = t(
      'The server will never take this record (reference {ref}): {message} It stays on this ' +
        'phone: save a backup file for your coordinator.',
    );
  }
  const message = state === 'refused' ? record.refused.message : '';
  const [before, after] = sentence.split('{ref}').map((part) => part.replace('{message}', () => message));
  const code = document.createElement('code');
  code.textContent = id.slice(0, 8);
  return [title, [before, code, after || '']];
}
