/* The home screen's "On this phone" part: drafts (resume, discard with confirmation), the
 * outbox and recently sent records with counts, "Send now", when records were last sent,
 * storage (persistent or not, space used) and "Save a backup file".
 * Everything here reads IndexedDB, so it works offline; the page itself comes from the
 * service worker's cache when there is no connection.
 */
import {
  askPersistence,
  bytes,
  onSyncChange,
  openStore,
  problemSentence,
  registerWorker,
  requestSync,
  saveBackup,
  startAutoSync,
  storageInfo,
  syncSentence,
  when,
} from './offline.js';
import { t, tn } from './i18n.js';

const root = document.getElementById('device-records');
const STATUS_WORDS = {
  stored: t('received'),
  duplicate: t('received (already there)'),
  conflict: t('received, kept for review (the server had other answers for it)'),
  quarantined: t('received, kept for review (some answers break the survey rules)'),
};

if (root && document.body.dataset.user) start();

async function start() {
  let store;
  try {
    store = await openStore();
  } catch (error) {
    root.querySelector('[data-no-js]').textContent = t(
      'This browser cannot keep records on the phone (its storage is unavailable). ' +
        'Forms are sent straight to the server, so keep a connection while you fill them.',
    );
    return;
  }
  root.querySelector('[data-no-js]').hidden = true;
  root.querySelector('[data-js]').hidden = false;
  registerWorker({ auto: true });
  document.getElementById('sync-now').addEventListener('click', () => syncNow(store));
  document.getElementById('save-backup').addEventListener('click', backup);
  root.addEventListener('click', (event) => discard(event, store));
  onSyncChange(() => render(store));
  await render(store);
  askPersistence().then(renderStorage);
  await startAutoSync();
  await render(store);
}

function item(parts) {
  const li = document.createElement('li');
  li.className = 'record';
  for (const part of parts) if (part) li.append(part);
  return li;
}

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function draftItem(r) {
  const resume = element('a', t('Resume'), {
    class: 'button',
    href: `/forms/${encodeURIComponent(r.survey)}?draft=${r.id}`,
    'data-resume': r.id,
  });
  const drop = element('button', t('Discard'), {
    type: 'button',
    class: 'button danger',
    'data-discard': r.id,
    'aria-label': t('Discard draft {ref}', { ref: r.id.slice(0, 8) }),
  });
  const actions = element('span', '', { class: 'record-actions' });
  actions.append(resume, ' ', drop);
  return item([
    element('strong', r.title || r.survey),
    element('small', ' ' + t('last changed {when} · ref {ref}', { when: when(r.updated_at), ref: r.id.slice(0, 8) })),
    actions,
  ]);
}

function fill(list, rows, make, empty) {
  list.replaceChildren(...(rows.length ? rows.map(make) : [item([element('span', empty, { class: 'hint' })])]));
}

async function render(store) {
  const [drafts, outbox, sent, status] = await Promise.all([
    store.list('draft'),
    store.list('outbox'),
    store.list('sent'),
    store.getValue('sync'),
  ]);
  for (const [state, rows] of [['draft', drafts], ['outbox', outbox], ['sent', sent]]) {
    root.querySelector(`[data-count="${state}"]`).textContent = String(rows.length);
  }
  fill(document.getElementById('drafts-list'), drafts, draftItem, t('No drafts.'));
  fill(document.getElementById('outbox-list'), outbox, (r) =>
    item([
      element('strong', r.title || r.survey),
      element('small', ' ' + t('finished {when} · ref {ref}', { when: when(r.meta && r.meta.finalized_at), ref: r.id.slice(0, 8) })),
      r.refused
        ? element('p', t('Refused by the server: {message}', { message: r.refused.message }), {
            class: 'error',
            'data-refused': r.id,
          })
        : r.problem
          ? element('p', r.problem, { class: 'error' })
          : null,
    ]), t('Nothing waits to be sent.'));
  fill(document.getElementById('sent-list'), sent, (r) =>
    item([
      element('strong', r.title || r.survey),
      element('small', ' ' + t('sent {when} · ref {ref} · {status}', { when: when(r.sent_at), ref: r.id.slice(0, 8), status: STATUS_WORDS[r.status] || r.status })),
    ]), t('Nothing sent recently.'));
  // A refused record is kept but never sent again: it does not "wait to be sent".
  const refused = outbox.filter((r) => r.refused).length;
  document.getElementById('sync-summary').textContent =
    syncSentence(status, outbox.length - refused) +
    (refused
      ? ' ' +
        tn(
          refused,
          '1 record was refused by the server: it stays on this phone; save a backup file for your coordinator.',
          '{n} records were refused by the server: they stay on this phone; save a backup file for your coordinator.',
        )
      : '');
  const problem = document.getElementById('sync-problem');
  const sentence = outbox.length ? problemSentence(status) : '';
  problem.hidden = !sentence;
  problem.textContent = sentence;
  if (status && status.state === 'signin' && outbox.length) {
    problem.append(' ', element('a', t('Sign in again'), { href: '/login?next=/' }));
  }
  await renderStorage();
}

async function renderStorage() {
  const info = await storageInfo();
  const files = await openStore()
    .then((store) => self.SurveyUpload.usage(store))
    .catch(() => ({ count: 0, bytes: 0 }));
  const kept =
    info.persisted === true
      ? t('Kept safe: the phone will not delete these records to make space.')
      : t('The phone may delete these records if it runs out of space. Send them, or save a backup file, often.');
  const used = info.usage === null ? '' : ' ' + t('{used} saved.', { used: bytes(info.usage) });
  const target = document.getElementById('storage-state');
  const photos = files.count
    ? ' ' + tn(files.count, '1 photo or recording ({size}) waits with its record.', '{n} photos and recordings ({size}) wait with their records.', { size: bytes(files.bytes) })
    : '';
  target.textContent = kept + used + photos;
  target.dataset.files = String(files.count);
  target.dataset.persisted = String(info.persisted);
}

async function syncNow(store) {
  const button = document.getElementById('sync-now');
  button.disabled = true;
  document.getElementById('sync-summary').textContent = t('Sending…');
  try {
    await requestSync({ includeProblems: true });
  } finally {
    button.disabled = false;
    await render(store);
  }
}

async function discard(event, store) {
  const button = event.target.closest('[data-discard]');
  if (!button) return;
  const id = button.dataset.discard;
  if (!window.confirm(t('Discard draft {ref}? Its answers are deleted from this phone for good.', { ref: id.slice(0, 8) }))) return;
  await store.discardDraft(id);
  await render(store);
}

async function backup() {
  const saved = await saveBackup();
  const records = tn(saved.submissions, '1 record', '{n} records');
  document.getElementById('sync-summary').textContent = saved.drafts
    ? t('Backup file saved: {records} waiting to be sent and {drafts}.', { records, drafts: tn(saved.drafts, '1 draft', '{n} drafts') })
    : t('Backup file saved: {records} waiting to be sent.', { records });
}
