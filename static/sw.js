/* The service worker: keeps the app usable with no connection, and sends the outbox
 * through Background Sync where the browser has it.
 *
 * Served from /sw.js (root scope) by survey_app/offline/routes.py, which replaces the
 * release placeholder below with the release id (app version + hash of the static files):
 * a new release is a new worker with new caches, which waits until no form is open or
 * the user agrees (static/js/offline.js sends 'apply-update').
 *
 * Caches: sa-shell-<release> holds the static files (cache first); sa-pages-<release>
 * holds the pages rendered for the signed-in account and the survey definitions (network
 * first, the saved copy when offline or slow). Pages belong to one account: a page for
 * another account, or signing out, empties the page cache. Only GET is intercepted.
 */
'use strict';

const RELEASE = "__RELEASE__";
const SHELL = 'sa-shell-' + RELEASE;
const PAGES = 'sa-pages-' + RELEASE;
const OWNER_KEY = '/__sa_owner__';
const KEPT_PAGE = /^\/(forms\/[A-Za-z0-9_-]+|logout|p\/[A-Za-z0-9_-]+(\/thanks)?)?$/; // home, forms, sign-out, public links
// Definitions, and the registry's organisation list for the form's picker (network first).
const DEFINITION = /^\/api\/v1\/(surveys\/[A-Za-z0-9_-]+|links\/[A-Za-z0-9_-]+\/survey|registry\/organisations)$/;
// A form version's media files (images, recordings beside labels): immutable, cache first.
const FORM_MEDIA = /^\/(forms\/[A-Za-z0-9_-]+|p\/[A-Za-z0-9_-]+)\/media\/[^/]+\/.+$/;
const NETWORK_TIMEOUT_MS = 4000;
const WARM_EVERY_MS = 5 * 60 * 1000;

// Static files are served with Cache-Control: no-cache, so the HTTP cache revalidates
// them: a new release never imports yesterday's copy, and an unchanged one costs a 304.
importScripts('/static/js/store-core.js', '/static/js/upload-core.js', '/static/js/sync-core.js');

/* ---- install, activate, update ---- */

self.addEventListener('install', (event) => {
  event.waitUntil(install());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('sa-') && name !== SHELL && name !== PAGES) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function precacheList() {
  const response = await fetch('/api/v1/offline/precache', {
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (!response.ok) throw new Error('precache list answered ' + response.status);
  return response.json();
}

/* The whole shell or nothing (a broken release must not replace a working one); pages
   best effort, with the previous release's copies kept for any that could not be fetched. */
async function install() {
  const list = await precacheList();
  const shell = await caches.open(SHELL);
  await shell.addAll(list.shell.map((url) => new Request(url, { cache: 'no-cache' })));
  await fillPages(list.pages, await openPages());
  await carryOver(list.user ? list.pages : null);
}

/* The addresses open windows show. The page a window has just loaded is in the browser's
   HTTP cache (kept pages are `private, no-cache`), so the first install takes that copy
   instead of downloading the same page again (page weight of a first visit). */
async function openPages() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = new Set();
  for (const client of windows) {
    const url = new URL(client.url);
    if (url.origin === self.location.origin) open.add(url.pathname + url.search);
  }
  return open;
}

/* That copy, if it is of this release (its CSS address names the release); else null. */
async function copyInHttpCache(url) {
  try {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'force-cache' });
    if (!response.ok || response.redirected) return null;
    const html = await response.clone().text();
    return html.includes('/static/r/' + RELEASE + '/') ? response : null;
  } catch (error) {
    return null;
  }
}

async function applyUpdate(force) {
  if (!force) {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const forms = (path) => path.startsWith('/forms/') || path.startsWith('/p/');
    if (windows.some((client) => forms(new URL(client.url).pathname))) return;
  }
  await self.skipWaiting();
}

/* ---- the page cache, owned by one account ---- */

let pageQueue = Promise.resolve();

function pageKey(url) {
  const lang = url.searchParams.get('lang');
  const version = url.searchParams.get('version'); // a draft's older form version
  const query = [version && 'version=' + encodeURIComponent(version), lang && 'lang=' + encodeURIComponent(lang)];
  const search = query.filter(Boolean).join('&');
  return url.pathname + (search ? '?' + search : '');
}

async function readOwner(cache) {
  const hit = await cache.match(OWNER_KEY);
  return hit ? hit.text() : '';
}

async function clearPages() {
  for (const name of await caches.keys()) {
    if (name.startsWith('sa-pages-')) await caches.delete(name);
  }
}

/* Keep a page (or definition). Serialised, because a page for another account first
   empties the cache, and two at once would race. */
function storePage(key, response) {
  const next = pageQueue.then(() => storePageNow(key, response));
  pageQueue = next.catch(() => false);
  return next;
}

async function storePageNow(key, response) {
  if (!response || !response.ok || response.redirected || response.type !== 'basic') return false;
  let cache = await caches.open(PAGES);
  if ((response.headers.get('Content-Type') || '').includes('text/html')) {
    const html = await response.clone().text();
    const match = /<body[^>]*\sdata-user="([^"]*)"/.exec(html);
    const user = match ? match[1] : '';
    if (!user) return false; // a page for nobody: never kept
    // A public link's pages belong to no account: kept beside the account's pages.
    if (!user.startsWith('link:') && (await readOwner(cache)) !== user) {
      await clearPages();
      cache = await caches.open(PAGES);
      await cache.put(OWNER_KEY, new Response(user));
    }
  }
  await cache.put(key, response);
  return true;
}

async function fillPages(urls, open = new Set()) {
  await Promise.all(
    urls.map(async (url) => {
      try {
        const copy = open.has(url) ? await copyInHttpCache(url) : null;
        if (copy && (await storePage(url, copy))) return;
        const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
        await storePage(url, response);
      } catch (error) {
        /* kept from the previous release by carryOver, if it had it */
      }
    }),
  );
}

/* Copy pages the new release could not fetch from an older page cache of the same
   account (all of them when nobody is signed in just now). */
async function carryOver(urls) {
  const cache = await caches.open(PAGES);
  const owner = await readOwner(cache);
  for (const name of await caches.keys()) {
    if (!name.startsWith('sa-pages-') || name === PAGES) continue;
    const old = await caches.open(name);
    const oldOwner = await readOwner(old);
    if (!oldOwner || (owner && oldOwner !== owner)) continue;
    const wanted = urls || (await old.keys()).map((request) => request.url);
    for (const url of wanted) {
      if (!(await cache.match(url))) {
        const hit = await old.match(url);
        if (hit) await cache.put(url, hit);
      }
    }
  }
}

let lastWarm = 0;

/* Asked by the home page: fetch this account's pages now (a sign-in since install). */
async function warm(force) {
  if (!force && Date.now() - lastWarm < WARM_EVERY_MS) return;
  lastWarm = Date.now();
  let list;
  try {
    list = await precacheList();
  } catch (error) {
    return;
  }
  const shell = await caches.open(SHELL);
  await Promise.all(
    list.shell.map(async (url) => {
      if (await shell.match(url, { ignoreSearch: true })) return;
      try {
        await shell.add(new Request(url, { cache: 'no-cache' }));
      } catch (error) {
        /* tried again at the next warm */
      }
    }),
  );
  await fillPages(list.pages);
}

/* ---- answering requests ---- */

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(fromShell(request));
  } else if (request.mode === 'navigate') {
    event.respondWith(navigate(event, url));
  } else if (DEFINITION.test(url.pathname)) {
    event.respondWith(definition(event, url));
  } else if (FORM_MEDIA.test(url.pathname)) {
    event.respondWith(formMedia(url));
  }
  // Everything else (sync, CSRF, exports) goes to the network untouched.
});

async function fromShell(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
  return response;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function matchPage(url) {
  const cache = await caches.open(PAGES);
  return (await cache.match(pageKey(url))) || (await cache.match(url.pathname));
}

/* Network first (fresh pages when online), the saved copy when offline or too slow.
   Form pages are saved without their query: ?draft= is read by the page's script. */
function navigate(event, url) {
  const keep = KEPT_PAGE.test(url.pathname);
  let saving = Promise.resolve();
  const network = fetch(event.request).then((response) => {
    if (keep) saving = storePage(pageKey(url), response.clone());
    return response;
  });
  if (keep) event.waitUntil(network.then(() => saving).catch(() => {}));
  return (async () => {
    const cached = keep ? await matchPage(url) : null;
    if (!cached) return network.catch(() => offlinePage());
    return Promise.race([network.catch(() => cached), delay(NETWORK_TIMEOUT_MS).then(() => cached)]);
  })();
}

/* A published definition version never changes: cache first; the current one: network first. */
async function definition(event, url) {
  const cache = await caches.open(PAGES);
  const hit = await cache.match(event.request);
  if (hit && url.searchParams.has('version')) return hit;
  try {
    const response = await fetch(event.request);
    event.waitUntil(storePage(url.pathname + url.search, response.clone()));
    return response;
  } catch (error) {
    if (hit) return hit;
    throw error;
  }
}

/* A form's media file: a version's file never changes, so the saved copy first. Fetched
   whole (an <audio> element asks for ranges, and a partial answer cannot be kept). */
async function formMedia(url) {
  const cache = await caches.open(PAGES);
  const hit = await cache.match(url.pathname);
  if (hit) return hit;
  const response = await fetch(url.pathname, { credentials: 'same-origin' });
  if (response.status === 200) await storePage(url.pathname, response.clone());
  return response;
}

function offlinePage() {
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Offline</title><link rel="stylesheet" href="/static/r/' + RELEASE + '/css/app.css"></head>' +
    '<body data-user=""><main id="main"><h1>You are offline</h1>' +
    '<p>This page was not saved on the phone. Your drafts and outbox are safe.</p>' +
    '<p><a class="button primary" href="/">Home</a></p></main></body></html>';
  return new Response(html, {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/* A public link's page, definition and thanks page, asked for by the page itself: its
   first visit comes before this worker controls it, and no precache list names it. */
async function keepPages(urls) {
  const wanted = urls
    .map((url) => new URL(url, self.location.origin))
    .filter((url) => url.origin === self.location.origin)
    .filter((url) => KEPT_PAGE.test(url.pathname) || DEFINITION.test(url.pathname) || FORM_MEDIA.test(url.pathname));
  await Promise.all(
    wanted.map(async (url) => {
      try {
        const response = await fetch(url.href, { credentials: 'same-origin', cache: 'no-store' });
        const key = FORM_MEDIA.test(url.pathname) ? url.pathname : null;
        await storePage(key || (DEFINITION.test(url.pathname) ? url.pathname + url.search : pageKey(url)), response);
      } catch (error) {
        /* offline now: the next visit online tries again */
      }
    }),
  );
}

/* ---- messages from pages, and Background Sync ---- */

self.addEventListener('message', (event) => {
  const message = event.data || {};
  if (message.type === 'apply-update') event.waitUntil(applyUpdate(Boolean(message.force)));
  else if (message.type === 'warm') event.waitUntil(warm(Boolean(message.force)));
  else if (message.type === 'signed-out') event.waitUntil(clearPages());
  else if (message.type === 'keep' && Array.isArray(message.urls)) event.waitUntil(keepPages(message.urls));
  else if (message.type === 'release' && event.source) {
    event.source.postMessage({ type: 'release', release: RELEASE });
  }
});

self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox') event.waitUntil(syncOutbox());
});

/* The worker cannot see the page's account or CSRF token: it asks the server who is
   signed in (with the cookie) and sends that account's outbox. A rejection makes the
   browser try again later. */
async function syncOutbox() {
  const who = await self.SurveySync.session();
  if (who.state === 'offline' || who.state === 'error') throw new Error(who.message);
  if (who.state !== 'ok') return;
  const store = await self.SurveyStore.open(who.user);
  try {
    const outcome = await self.SurveySync.run(store, { session: who });
    if (outcome.state === 'offline' || outcome.state === 'error') throw new Error(outcome.message);
  } finally {
    store.db.close();
  }
}
