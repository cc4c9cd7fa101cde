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
