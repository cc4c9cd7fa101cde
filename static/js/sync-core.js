/* Send the outbox to the server: single-flight, in bounded batches, dropping a record only
 * once the server has acknowledged it.
 *
 * A classic script for the same reason as store-core.js (the service worker runs it for
 * Background Sync, pages run it for every other trigger); it defines self.SurveySync and
 * needs self.SurveyStore.
 *
 * The contract (DESIGN.md, "The sync contract"): every item result stored, duplicate,
 * conflict or quarantined means "the server has it durably, drop your copy"; refused means
 * "the server will never take it": kept on the phone, marked, and never sent again; only
 * envelope failures mean "keep it and retry": 401 asks to sign in again, 413 makes the
 * batch smaller, 400 naming single records sets those aside, and anything else
 * (5xx, no network) is retried later with back-off by the caller.
 */
(function (scope) {
  'use strict';

  const MAX_RECORDS = 25;
  const MAX_BYTES = 512 * 1024;
  const LEASE_MS = 60 * 1000;
  const CHANNEL = 'survey-sync';
  const encoder = new TextEncoder();
  const channel = scope.BroadcastChannel ? new scope.BroadcastChannel(CHANNEL) : null;

  /* A message in the page's language (i18n.js puts the page's words in SurveyStrings);
     the worker has no page, so its messages stay in English. */
  function say(text, values) {
    const words = scope.SurveyStrings || {};
    return (words[text] || text).replace(/\{(\w+)\}/g, (whole, name) =>
      values && name in values ? String(values[name]) : whole,
    );
  }

  function payloadOf(record) {
    return {
      id: record.id,
      survey: record.survey,
      version: record.version,
      data: record.data,
      meta: record.meta || {},
    };
  }

  /* The first records of the list that fit in one batch (always at least one). */
  function nextBatch(records, maxRecords, maxBytes) {
    const batch = [];
    let bytes = 20;
    for (const record of records) {
      const size = encoder.encode(JSON.stringify(payloadOf(record))).length + 1;
      if (batch.length && bytes + size > maxBytes) break;
      batch.push(record);
      bytes += size;
      if (batch.length >= maxRecords) break;
    }
    return batch;
  }

  function retryAfter(response) {
    const seconds = parseInt(response.headers.get('Retry-After') || '', 10);
    return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  /* A fresh CSRF token and who is signed in (asked before every sync: sessions last weeks). */
  async function session() {
    let response;
    try {
      response = await fetch('/api/v1/csrf', {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
    } catch (error) {
      return { state: 'offline', message: say('No connection to the server.') };
    }
    const body = await readJson(response);
    if (!response.ok || !body) {
      return {
        state: 'error',
        message: say('The server answered {status}.', { status: response.status }),
        retryAfter: retryAfter(response),
      };
    }
    if (!body.signed_in) return { state: 'signin', message: say('Sign in again to send your records.') };
    return { state: 'ok', token: body.csrf_token, user: body.user };
  }

  async function waiting(store, includeProblems, tried) {
    const outbox = await store.list('outbox');
    return outbox
      // A refused record is never sent again, not even by "Send now".
      .filter((record) => !record.refused && !tried.has(record.id) && (includeProblems || !record.problem))
      .sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  }

  /* Records a 400 names one by one (errors.submissions is keyed by batch index). */
  function refusedItems(body, batch) {
    const named = body && body.errors && body.errors.submissions;
    if (!named || typeof named !== 'object' || Array.isArray(named)) return [];
    return Object.keys(named)
      .map((index) => batch[Number(index)])
      .filter(Boolean);
  }

  /* Records a public link's 403 names (errors.refused is keyed by record id). */
  function refusedByLink(body, batch) {
    const named = body && body.errors && body.errors.refused;
    if (!named || typeof named !== 'object') return [];
    return batch.filter((record) => Array.isArray(named[record.id]));
  }

  async function finish(store, outcome) {
    const now = new Date().toISOString();
    const counts = await store.counts();
    const status = await store.updateValue('sync', (previous) => {
      const changes = {
        lastAttempt: now,
        state: outcome.state,
        message: outcome.message || '',
        waiting: counts.outbox,
      };
      if (outcome.state === 'ok' || outcome.state === 'idle') changes.failures = 0;
      if (outcome.state === 'ok') changes.lastSuccess = now;
      if (outcome.state === 'offline' || outcome.state === 'error') {
        changes.failures = (previous.failures || 0) + 1;
      }
      return changes;
    });
    const result = { ...outcome, counts, status };
    if (channel) channel.postMessage({ type: 'sync', user: store.user, outcome: result });
    return result;
  }

  async function runLocked(store, options, renew) {
    const tried = new Set();
    let sent = 0;
    let limit = MAX_RECORDS;
    let pending = await waiting(store, options.includeProblems, tried);
    if (!pending.length) return finish(store, { state: 'idle', sent });
    // A public link's store (user "link:<id>") signs in to nothing: its records carry the
    // link's own endpoint (the token is the credential), sent with no cookie and no CSRF.
    const link = store.user.startsWith('link:');
    const who = link ? { state: 'ok', user: store.user } : options.session || (await session());
    if (who.state !== 'ok') return finish(store, { ...who, sent });
    if (who.user !== store.user) {
      return finish(store, {
        state: 'account',
        sent,
        message: say('Signed in as {user}; these records belong to {owner}.', { user: who.user, owner: store.user }),
      });
    }
    // A record goes only once all its files are on the server (upload-core.js), so its
    // acknowledgement means the record and every file: the phone may then let go of both.
    const filesReady = async (records) => {
      if (!records.some((record) => record.files && record.files.length)) return { records };
      if (!scope.SurveyUpload) return { records: records.filter((record) => !(record.files && record.files.length)) };
      const auth = { token: who.token, renew };
      const outcome = await scope.SurveyUpload.sendFiles(store, records, auth, (entry, offset) => {
        if (channel) channel.postMessage({ type: 'upload', user: store.user, name: entry.name, offset, size: entry.size });
      });
      return { records: records.filter((record) => outcome.ready.has(record.id)), stop: outcome.stop };
    };
    let prepared = await filesReady(pending);
    if (prepared.stop && !prepared.records.length) return finish(store, { ...prepared.stop, sent });
    pending = prepared.records;
    while (pending.length) {
      await renew();
      const batch = nextBatch(pending, limit, MAX_BYTES);
      let response;
      try {
        response = await fetch(link ? batch[0].sync_url : '/api/v1/submissions', {
          method: 'POST',
          credentials: link ? 'omit' : 'same-origin',
          cache: 'no-store',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            ...(link ? {} : { 'X-CSRFToken': who.token }),
          },
          body: JSON.stringify({ submissions: batch.map(payloadOf) }),
        });
      } catch (error) {
        return finish(store, { state: 'offline', sent, message: say('The connection was lost.') });
      }
      const body = await readJson(response);
      if (response.ok && body && Array.isArray(body.results)) {
        // A record the server holds without all its files stays in the outbox; acknowledge()
        // keeps "refused" items (marked, never sent again) and drops the rest.
        const whole = body.results.filter((result) => !(result && result.missing_files && result.missing_files.length));
        for (const result of body.results) {
          if (whole.includes(result) || !scope.SurveyUpload) continue;
          await scope.SurveyUpload.markMissing(store, result.id, result.missing_files);
        }
        sent += await store.acknowledge(whole);
        batch.forEach((record) => tried.add(record.id)); // an unanswered one waits for next time
        if (channel) channel.postMessage({ type: 'progress', user: store.user, sent });
      } else if (response.status === 401) {
        return finish(store, { state: 'signin', sent, message: say('Sign in again to send your records.') });
      } else if (response.status === 413 && batch.length > 1) {
        limit = Math.max(1, Math.floor(batch.length / 2));
      } else if (response.status === 413) {
        await store.markProblem([batch[0].id], say('Too large for the server: save a backup file.'));
        tried.add(batch[0].id);
      } else if (link && response.status === 403 && refusedByLink(body, batch).length) {
        // The link closed (or was revoked) before these were started: kept, shown, and
        // ready for a backup file; the rest of the batch goes again.
        for (const record of refusedByLink(body, batch)) {
          await store.markProblem([record.id], body.errors.refused[record.id].join(' '));
          tried.add(record.id);
        }
      } else if (response.status === 400 && refusedItems(body, batch).length) {
        const refused = refusedItems(body, batch);
        await store.markProblem(
          refused.map((record) => record.id),
          say('The server could not read this record: save a backup file for your coordinator.'),
        );
        refused.forEach((record) => tried.add(record.id)); // the rest of the batch goes again
      } else {
        return finish(store, {
          state: 'error',
          sent,
          message: (body && body.error) || say('The server answered {status}.', { status: response.status }),
          retryAfter: retryAfter(response),
        });
      }
      pending = await waiting(store, options.includeProblems, tried);
      if (pending.length) {
        prepared = await filesReady(pending);
        if (prepared.stop && !prepared.records.length) return finish(store, { ...prepared.stop, sent });
        pending = prepared.records;
      }
    }
    if (scope.SurveyUpload) await scope.SurveyUpload.cleanup(store).catch(() => {});
    if (prepared.stop) return finish(store, { ...prepared.stop, sent });
    return finish(store, { state: 'ok', sent });
  }

  /* Run one sync for this store's account unless one is already running anywhere on the
     phone (another tab or the service worker): then answer {state: 'busy'} at once. */
  async function run(store, options = {}) {
    const name = 'survey-sync:' + store.user;
    const locks = scope.navigator && scope.navigator.locks;
    if (locks && locks.request) {
      return locks.request(name, { ifAvailable: true }, (lock) =>
        lock ? runLocked(store, options, async () => {}) : { state: 'busy' },
      );
    }
    const owner = Math.random().toString(36).slice(2) + Date.now();
    if (!(await store.takeLease(name, owner, LEASE_MS))) return { state: 'busy' };
    try {
      return await runLocked(store, options, () => store.takeLease(name, owner, LEASE_MS));
    } finally {
      await store.releaseLease(name, owner).catch(() => {});
    }
  }

  scope.SurveySync = { run, session, payloadOf, nextBatch, MAX_RECORDS, MAX_BYTES, CHANNEL };
})(self);
