/* The sign-out page: warn (with counts) when this account still has records on the phone,
 * offer to send them or save a backup file first, and on signing out empty the page
 * caches, so the next account on a shared phone never sees pages rendered for this one.
 * The records themselves stay, in this account's own store, until it signs in again.
 */
import { t, tn } from './i18n.js';
import { openStore, requestSync, saveBackup, user } from './offline.js';

const warning = document.getElementById('signout-warning');
const form = document.getElementById('signout-form');

async function counts() {
  const store = await openStore();
  return store.counts();
}

async function showWarning() {
  let found;
  try {
    found = await counts();
  } catch (error) {
    return; // no store on this browser: nothing kept here
  }
  if (!found.outbox && !found.draft) {
    warning.hidden = true;
    return;
  }
  const parts = [];
  if (found.outbox) parts.push(tn(found.outbox, '1 record waits to be sent', '{n} records wait to be sent'));
  if (found.draft) parts.push(tn(found.draft, '1 draft is not finished', '{n} drafts are not finished'));
  warning.replaceChildren();
  const text = document.createElement('p');
  text.dataset.counts = `${found.outbox} ${found.draft}`;
  text.textContent = t(
    'On this phone, for {user}: {counts}. They stay here, kept for your account (nobody ' +
      'else who signs in on this phone can see them), and are sent after you sign in again.',
    { user, counts: parts.join(t(', and ')) },
  );
  const send = document.createElement('button');
  send.type = 'button';
  send.className = 'button';
  send.textContent = t('Send them now');
  send.onclick = async () => {
    send.disabled = true;
    await requestSync({ includeProblems: true });
    send.disabled = false;
    showWarning();
  };
  const backup = document.createElement('button');
  backup.type = 'button';
  backup.className = 'button';
  backup.textContent = t('Save a backup file');
  backup.onclick = () => saveBackup();
  warning.append(text, send, ' ', backup);
  warning.hidden = false;
}

async function clearPageCaches() {
  const controller = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (controller) controller.postMessage({ type: 'signed-out' });
  if (!self.caches) return;
  for (const name of await caches.keys()) {
    if (name.startsWith('sa-pages-')) await caches.delete(name);
  }
}

/* Signing out needs the server; offline, the pages stay so the phone keeps working. */
async function reachable() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const response = await fetch('/api/v1/csrf', { cache: 'no-store', signal: controller.signal });
    return response.ok;
  } catch (error) {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

if (warning && form && user) {
  showWarning();
  let leaving = false;
  form.addEventListener('submit', async (event) => {
    if (leaving) return;
    event.preventDefault();
    leaving = true;
    if (!(await reachable())) {
      leaving = false;
      const note = document.createElement('p');
      note.className = 'error';
      note.setAttribute('role', 'alert');
      note.textContent = t('No connection: signing out needs the server. Nothing was changed on this phone.');
      form.querySelector('.error')?.remove();
      form.prepend(note);
      return;
    }
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000));
    await Promise.race([clearPageCaches().catch(() => {}), timeout]);
    HTMLFormElement.prototype.submit.call(form);
  });
}
