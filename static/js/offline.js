/* What every page of the offline client shares: this account's record store, the service
 * worker (registration and the "update ready" offer), sync triggers with back-off, the
 * storage checks and the backup file.
 *
 * Sync runs on app open, on the `online` event, when the page becomes visible again,
 * on a back-off timer after a failure, by the "Send now" button, and (in the worker)
 * through Background Sync. All of these go through requestSync(), which is single-flight
 * here and, through the Web Locks API in sync-core.js, across tabs and the worker.
 */
import './store-core.js';
import './upload-core.js';
import './sync-core.js';
import { t, tn } from './i18n.js';

const { SurveyStore, SurveySync } = self;

export const user = document.body.dataset.user || '';
const BACKOFF_MS = [2000, 5000, 15000, 30000, 60000, 120000, 300000];
const BUSY_RETRY_MS = 10000;
const LOW_SPACE_BYTES = 10 * 1024 * 1024;

let storePromise = null;

/* This account's store (rejects if IndexedDB is unavailable or nobody is signed in). */
export function openStore() {
  if (!storePromise) {
    storePromise = SurveyStore.open(user).catch((error) => {
      storePromise = null;
      throw error;
    });
  }
  return storePromise;
}

/* ---- sync ---- */

let running = null;
let retryTimer = null;
export let nextRetryAt = null;

export function requestSync(options = {}) {
  if (!user) return Promise.resolve({ state: 'signin' });
  if (running) return running;
  clearTimeout(retryTimer);
  retryTimer = null;
  nextRetryAt = null;
  running = (async () => {
    const store = await openStore();
    const outcome = await SurveySync.run(store, options);
    scheduleRetry(outcome);
    return outcome;
  })()
    .catch((error) => ({ state: 'error', message: String((error && error.message) || error) }))
    .finally(() => {
      running = null;
    });
  return running;
}

function scheduleRetry(outcome) {
  let wait = null;
  if (outcome.state === 'offline' || outcome.state === 'error') {
    const failures = (outcome.status && outcome.status.failures) || 1;
    wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1];
    if (outcome.retryAfter) wait = Math.max(wait, outcome.retryAfter * 1000);
    wait = Math.round(wait * (0.8 + Math.random() * 0.4)); // phones that lost signal together
  } else if (outcome.state === 'busy') {
    wait = BUSY_RETRY_MS; // another tab or the worker is sending; look again later
  }
  if (outcome.state === 'offline' || outcome.state === 'error') {
    registerBackgroundSync(); // the worker retries when the connection returns, page or not
  }
  if (wait !== null) {
    nextRetryAt = Date.now() + wait;
    retryTimer = setTimeout(() => requestSync(), wait);
  }
}

/* Call back on every sync outcome anywhere on the phone (this page, other tabs, worker). */
export function onSyncChange(callback) {
  if (!self.BroadcastChannel) return;
  const channel = new BroadcastChannel(SurveySync.CHANNEL);
  channel.onmessage = (event) => {
    if (event.data && event.data.user === user) callback(event.data);
  };
}

/* Start the automatic triggers: app open now, coming online, becoming visible. */
export function startAutoSync() {
  window.addEventListener('online', () => requestSync());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') requestSync();
  });
  return requestSync();
}

export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.getRegistration('/');
    if (registration && registration.sync) await registration.sync.register('outbox');
  } catch (error) {
    /* no Background Sync here: the page's own triggers remain */
  }
}

/* ---- the service worker and updates ---- */

let reloadOnChange = null;

/* Register the worker. policy.auto: apply a waiting release by itself when no form is
   open (the home page); otherwise only when the user presses "Update now", after
   policy.beforeUpdate() (the form saves its draft) and reloading to policy.reloadUrl().
   policy.updateText replaces the offer's words. */
export async function registerWorker(policy = {}) {
  if (!('serviceWorker' in navigator) || !user) return null;
  let registration;
  try {
    registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch (error) {
    return null;
  }
  let hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController) {
      hadController = true; // the first install took over this page: nothing to reload
      return;
    }
    if (reloadOnChange) reloadOnChange();
  });
  const offer = (worker) => {
    if (worker && navigator.serviceWorker.controller) offerUpdate(worker, policy);
  };
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer(worker);
    });
  });
  if (registration.active) registration.active.postMessage({ type: 'warm' });
  return registration;
}

function offerUpdate(worker, policy) {
  if (policy.auto) {
    reloadOnChange = () => location.reload();
    worker.postMessage({ type: 'apply-update', force: false }); // refused while a form is open
  }
  let banner = document.getElementById('update-ready');
  if (!banner) {
    banner = document.createElement('div');
    banner.id = 'update-ready';
    banner.className = 'update-banner';
    banner.setAttribute('role', 'status');
    banner.innerHTML = '<p></p><button type="button" class="button primary" data-apply-update></button>';
    banner.querySelector('p').textContent =
      policy.updateText || // a public form's own words (no "app" for a respondent)
      t('A new version of the app is ready.') +
        (policy.beforeUpdate ? ' ' + t('Your answers are saved on this phone and stay.') : '');
    banner.querySelector('[data-apply-update]').textContent = t('Update now');
    (document.querySelector('main') || document.body).prepend(banner);
  }
  banner.querySelector('[data-apply-update]').onclick = async () => {
    if (policy.beforeUpdate) await policy.beforeUpdate();
    reloadOnChange = () => location.replace(policy.reloadUrl ? policy.reloadUrl() : location.href);
    worker.postMessage({ type: 'apply-update', force: true });
  };
}

/* ---- storage ---- */

export async function storageInfo() {
  const info = { persisted: null, usage: null, quota: null };
  if (!navigator.storage) return info;
  try {
    info.persisted = navigator.storage.persisted ? await navigator.storage.persisted() : null;
    if (navigator.storage.estimate) Object.assign(info, await navigator.storage.estimate());
  } catch (error) {
    /* unknown: shown as such */
  }
  return info;
}

/* Ask once per page load; browsers decide silently (installed apps usually get it). */
export async function askPersistence() {
  try {
    if (navigator.storage && navigator.storage.persist) return await navigator.storage.persist();
  } catch (error) {
    /* unsupported */
  }
  return false;
}

export function spaceIsLow(info) {
  if (!info.quota) return false;
  return info.quota - info.usage < LOW_SPACE_BYTES || info.usage / info.quota > 0.95;
}

/* ---- backup ---- */

/* Download every unsent record of this account as one file in the sync API's shape
   ({"submissions": [...]}), which a coordinator imports at /coordinate/import. Records
   the server refused are in it too (it never takes them from this phone; a coordinator
   may), with the server's words under "refused" (by id). A facilitator's unfinished
   drafts ride along under "drafts" (not imported; kept for rescue); a public link's never
   do: whoever holds a shared phone could save that file. */
export async function saveBackup() {
  const store = await openStore();
  const outbox = await store.list('outbox');
  const drafts = user.startsWith('link:') ? [] : await store.list('draft');
  const now = new Date();
  const file = {
    format: 'survey-app-backup',
    format_version: 1,
    account: user,
    saved_at: now.toISOString(),
    submissions: outbox.map(SurveySync.payloadOf),
    refused: Object.fromEntries(outbox.filter((r) => r.refused).map((r) => [r.id, r.refused])),
    drafts: drafts.map(SurveySync.payloadOf),
    files: await backupFiles(store, [...outbox, ...drafts]), // photos and recordings, base64
  };
  const blob = new Blob([JSON.stringify(file, null, 1)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  const stamp = now.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  link.download = 'listening-backup-' + user.replace(/[^A-Za-z0-9_-]+/g, '_') + '-' + stamp + '.json';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  return { submissions: outbox.length, drafts: drafts.length };
}

/* The files the records name, each with its bytes in base64 (the server checks the hash). */
async function backupFiles(store, records) {
  const files = [];
  for (const record of records) {
    const names = new Set(record.files || []);
    if (!names.size) continue;
    for (const entry of await self.SurveyUpload.filesOf(store, record.id)) {
      if (!names.has(entry.name)) continue;
      files.push({ record: record.id, name: entry.name, sha256: entry.sha256, type: entry.type, data: await base64(entry.blob) });
    }
  }
  return files;
}

function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/* ---- words ---- */

export function when(iso) {
  if (!iso) return t('never');
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function bytes(n) {
  if (n === null || n === undefined) return t('unknown');
  if (n < 1024) return t('{n} bytes', { n });
  if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KB';
  if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + ' MB';
  return (n / 1024 / 1024 / 1024).toFixed(1) + ' GB';
}

export function plural(n, one, many) {
  return n + ' ' + (n === 1 ? one : many);
}

/* One sentence for the sync state: how many wait, and when a sync last succeeded. */
export function syncSentence(status, waiting) {
  const last = t('Last sent to the server: {when}.', { when: when(status && status.lastSuccess) });
  if (!waiting) return t('Nothing waits to be sent.') + ' ' + last;
  return tn(waiting, '1 record waits to be sent.', '{n} records wait to be sent.') + ' ' + last;
}

export function problemSentence(status) {
  if (!status) return '';
  if (status.state === 'signin') return t('Sign in again to send your records. They stay on this phone.');
  if (status.state === 'account') return status.message;
  if (status.state === 'offline') return t('No connection: trying again automatically.');
  if (status.state === 'error') return t('Sending failed ({reason}): trying again automatically.', { reason: status.message });
  return '';
}
