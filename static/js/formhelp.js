/* Help for the person filling the form on a phone, as facilitators asked for it:
 *
 * - an error under a question (the server's or the phone's) goes away as soon as the
 *   question is answered, and the summary at the top counts what is left;
 * - the page says when the phone is offline (answers are kept on the phone anyway);
 * - a short description of the record (the form's instance_name fields, or the session's
 *   date, venue and ward) names it in Drafts, Waiting to be sent and Recently sent;
 * - a removed repeat entry can be put back ("Undo").
 */
import { t, tn } from './i18n.js';
import { restore, snapshot } from './formread.js';

/* ---- errors cleared when answered ---- */

function answered(wrapper) {
  for (const input of wrapper.querySelectorAll('input, textarea, select')) {
    if (input.disabled || input.type === 'file' || input.name.endsWith('_other')) continue;
    if (input.type === 'hidden' && !input.hasAttribute('data-file-answer')) continue;
    if (input.type === 'radio' || input.type === 'checkbox') {
      if (input.checked) return true;
    } else if (input.value.trim() !== '') {
      return true;
    }
  }
  return false;
}

function clearWrapper(wrapper) {
  wrapper.querySelectorAll(':scope > .error, :scope > [data-client-error]').forEach((note) => note.remove());
  wrapper.classList.remove('has-error');
  wrapper.removeAttribute('data-client-flagged');
  wrapper.querySelectorAll('[aria-invalid]').forEach((field) => field.removeAttribute('aria-invalid'));
  const key = wrapper.dataset.key;
  for (const summary of document.querySelectorAll('#error-summary, #client-errors')) {
    for (const item of summary.querySelectorAll('li')) {
      const link = item.querySelector('a');
      const target = link && document.getElementById(link.hash.slice(1));
      if (target && target.closest('[data-key]') === wrapper) item.remove();
      else if (link && key && link.hash === '#' + key) item.remove();
    }
    const left = summary.querySelectorAll('li').length;
    if (!left) summary.remove();
    else summary.querySelector('h2').textContent = tn(left, 'Please check 1 answer', 'Please check {n} answers');
  }
}

export function clearErrorsWhenAnswered(form) {
  const check = (event) => {
    const wrapper = event.target.closest && event.target.closest('[data-key].has-error');
    if (wrapper && answered(wrapper)) clearWrapper(wrapper);
  };
  form.addEventListener('input', check);
  form.addEventListener('change', check);
}

/* ---- offline indicator ---- */

export function showConnection(form) {
  const note = document.createElement('p');
  note.className = 'connection-state';
  note.dataset.connection = '';
  note.setAttribute('role', 'status');
  const update = () => {
    const offline = navigator.onLine === false;
    note.hidden = !offline;
    note.dataset.connection = offline ? 'offline' : 'online';
    note.textContent = offline ? t('You are offline. Your answers are kept on this phone and sent later.') : '';
  };
  form.before(note);
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
}

/* ---- a short description of the record ---- */

function answerText(form, name) {
  const checked = form.querySelector(`[data-name="${CSS.escape(name)}"] input:checked`);
  if (checked) {
    const label = checked.closest('label');
    return (label ? label.textContent : checked.value).trim();
  }
  const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
  return field && field.value ? field.value.trim() : '';
}

/* "2026-11-20 · Community hall · Likoni": the fields the form names (data-summary), in order. */
export function describe(form) {
  const names = (form.dataset.summary || '').split(/\s+/).filter(Boolean);
  return names
    .map((name) => answerText(form, name))
    .filter(Boolean)
    .join(' · ')
    .slice(0, 120);
}

/* ---- undo a removed repeat entry ---- */

export function beforeRemoving(form) {
  return snapshot(form);
}

export function offerUndo(form, before, where) {
  document.querySelectorAll('[data-undo-remove]').forEach((old) => old.remove());
  const bar = document.createElement('p');
  bar.className = 'undo-bar';
  bar.setAttribute('role', 'status');
  bar.dataset.undoRemove = '';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button';
  button.textContent = t('Undo');
  bar.append(t('Entry removed.') + ' ', button);
  where.before(bar);
  button.addEventListener('click', () => {
    restore(form, before);
    form.dispatchEvent(new CustomEvent('survey:restored', { detail: { undo: true } }));
    form.dispatchEvent(new Event('change', { bubbles: true }));
    bar.remove();
  });
  setTimeout(() => bar.remove(), 30000);
}

/* ---- sections: jump between the form's groups, see progress, come back to the place ---- */

function visibleQuestions(form) {
  return [...form.querySelectorAll('[data-key][data-type]')].filter(
    (wrapper) =>
      !['group', 'repeat', 'note', 'calculate', 'start', 'end', 'today', 'deviceid', 'username'].includes(wrapper.dataset.type) &&
      !wrapper.matches('input') &&
      !wrapper.closest('[hidden], [disabled], [inert], template'),
  );
}

export function sectionNavigation(form, recordId) {
  const groups = [...form.querySelectorAll(':scope > fieldset.group[data-key]')].filter((group) => group.querySelector('legend'));
  const nav = document.createElement('nav');
  nav.className = 'sections';
  nav.setAttribute('aria-label', t('Sections of the form'));
  nav.innerHTML = '<p class="progress" data-progress aria-live="polite"></p><details><summary></summary><ol></ol></details>';
  nav.querySelector('summary').textContent = t('Go to a section');
  const list = nav.querySelector('ol');
  for (const group of groups) {
    if (!group.id) group.id = 'section-' + group.dataset.key;
    const link = document.createElement('a');
    link.href = '#' + group.id;
    link.textContent = group.querySelector('legend').textContent.trim();
    link.addEventListener('click', () => nav.querySelector('details').removeAttribute('open'));
    const item = document.createElement('li');
    item.append(link);
    list.append(item);
  }
  if (groups.length > 1) form.before(nav);
  const progress = nav.querySelector('[data-progress]');
  const count = () => {
    const questions = visibleQuestions(form);
    const done = questions.filter(answered).length;
    progress.textContent = t('{done} of {total} questions answered', { done, total: questions.length });
    progress.dataset.done = String(done);
  };
  // Once, when the phone is idle: a keystroke fired input, then formlogic:change, and each
  // counted every question of the form again inside the keystroke's own frame.
  let queued = false;
  const later = self.requestIdleCallback ? (run) => requestIdleCallback(run, { timeout: 500 }) : (run) => setTimeout(run, 50);
  const update = () => {
    if (queued) return;
    queued = true;
    later(() => {
      queued = false;
      count();
    });
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('survey:restored', update);
  // The logic fills defaults (today's date) and shows or hides questions without input events.
  form.addEventListener('formlogic:change', update);
  form.addEventListener('survey:defaults', update);
  count();

  // Where the person was: the question at the top of the screen, per record, for a reload.
  const key = 'survey-app-position:' + recordId();
  let timer = null;
  window.addEventListener('scroll', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const top = visibleQuestions(form).find((wrapper) => wrapper.getBoundingClientRect().bottom > 80);
      try {
        if (top) sessionStorage.setItem('survey-app-position:' + recordId(), top.dataset.key);
      } catch (error) {
        /* no session storage: the page opens at the top */
      }
    }, 250);
  });
  const back = () => {
    let saved = null;
    try {
      saved = sessionStorage.getItem(key) || sessionStorage.getItem('survey-app-position:' + recordId());
    } catch (error) {
      return;
    }
    const target = saved && form.querySelector(`[data-key="${CSS.escape(saved)}"]`);
    if (target) target.scrollIntoView({ block: 'start' });
  };
  form.addEventListener('survey:restored', (event) => {
    if (!(event.detail && event.detail.undo)) back();
  });
}
