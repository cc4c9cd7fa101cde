/* A record's files on the phone, and their upload: Blobs in the account's store, sent
 * with a small tus 1.0.0 client (docs/attachments.md) before their record.
 *
 * A classic script like store-core.js and sync-core.js (the service worker runs it for
 * Background Sync, pages for every other trigger); it defines self.SurveyUpload.
 *
 * A file entry in the 'files' store: {key: "<record id>/<name>", record, name, question,
 * type, size, sha256, blob, created_at, location?, uploaded_at?}. The name is what the
 * answer holds ("<first 16 hex of the SHA-256>.<ext>"), so the same bytes always get the
 * same name, and a retried upload finds the same upload on the server (idempotent).
 *
 * Why our own client and not tus-js-client: ours is about 150 lines with no build step,
 * runs in the worker as well as the page, and speaks exactly the subset our server does
 * (creation, HEAD, PATCH, the whole file's SHA-256 in the metadata).
 */
(function (scope) {
  'use strict';

  const CHUNK = 256 * 1024;
  const TUS = { 'Tus-Resumable': '1.0.0' };

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function sha256(blob) {
    const digest = await scope.crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  const EXTENSIONS = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
    'image/gif': 'gif',
    'audio/webm': 'webm',
    'audio/ogg': 'ogg',
    'audio/mp4': 'm4a',
    'audio/mpeg': 'mp3',
    'audio/wav': 'wav',
    'video/webm': 'webm',
    'video/mp4': 'mp4',
    'application/pdf': 'pdf',
  };

  function extension(type, fallbackName) {
    const base = (type || '').split(';')[0].trim();
    if (EXTENSIONS[base]) return EXTENSIONS[base];
    const match = /\.([A-Za-z0-9]{1,8})$/.exec(fallbackName || '');
    return match ? match[1].toLowerCase() : 'bin';
  }

  /* Keep a Blob as one of a record's files; returns its entry (name = the answer). */
  async function keep(store, recordId, question, blob, originalName) {
    const digest = await sha256(blob);
    const name = digest.slice(0, 16) + '.' + extension(blob.type, originalName);
    const entry = {
      key: recordId + '/' + name,
      record: recordId,
      name,
      question,
      type: blob.type || 'application/octet-stream',
      size: blob.size,
      sha256: digest,
      blob,
      created_at: new Date().toISOString(),
    };
    await store.tx(['files'], 'readwrite', async (files) => {
      const existing = await done(files.get(entry.key));
      if (!existing) await done(files.put(entry));
    });
    return entry;
  }

  function filesOf(store, recordId) {
    return store.tx(['files'], 'readonly', (files) => done(files.index('record').getAll(recordId)));
  }

  function getFile(store, recordId, name) {
    return store.tx(['files'], 'readonly', (files) => done(files.get(recordId + '/' + name)));
  }

  function update(store, key, changes) {
    return store.tx(['files'], 'readwrite', async (files) => {
      const existing = await done(files.get(key));
      if (existing) await done(files.put({ ...existing, ...changes }));
    });
  }

  /* Drop a record's files that it no longer names (a photo replaced or removed). A file
     of a finalised record is never dropped before the server acknowledged the record. */
  async function prune(store, recordId, keepNames) {
    const keepSet = new Set(keepNames || []);
    await store.tx(['files'], 'readwrite', async (files) => {
      const all = await done(files.index('record').getAll(recordId));
      for (const entry of all) if (!keepSet.has(entry.name)) await done(files.delete(entry.key));
    });
  }

  /* After a sync: files whose record was sent, or was discarded (a file kept in the
     last hour may belong to a draft whose first autosave is still on its way). */
  async function cleanup(store) {
    const hourAgo = new Date(Date.now() - 3600 * 1000).toISOString();
    await store.tx(['records', 'files'], 'readwrite', async (records, files) => {
      const all = await done(files.getAll());
      for (const entry of all) {
        const record = await done(records.get(entry.record));
        const gone = !record && entry.created_at < hourAgo;
        if (gone || (record && record.state === 'sent')) await done(files.delete(entry.key));
      }
    });
  }

  async function usage(store) {
    const all = await store.tx(['files'], 'readonly', (files) => done(files.getAll()));
    return { count: all.length, bytes: all.reduce((sum, entry) => sum + (entry.size || 0), 0) };
  }

  function b64(text) {
    return btoa(unescape(encodeURIComponent(text)));
  }

  function endpoint(record) {
    // A public link's record carries its link's sync URL; its files go beside it.
    return record.sync_url ? record.sync_url.replace(/submissions$/, 'files') : '/api/v1/files';
  }

  class Stop extends Error {
    constructor(outcome) {
      super(outcome.message || outcome.state);
      this.outcome = outcome;
    }
  }

  /* Upload one file; resolves when the server has verified and stored it. */
  async function send(store, record, entry, auth, onProgress) {
    const link = Boolean(record.sync_url);
    const base = {
      credentials: link ? 'omit' : 'same-origin',
      cache: 'no-store',
    };
    const headers = (extra) => ({ ...TUS, ...(link || !auth.token ? {} : { 'X-CSRFToken': auth.token }), ...extra });
    let location = entry.location;
    let offset = null;
    if (location) {
      const head = await fetch(location, { ...base, method: 'HEAD', headers: headers({}) });
      if (head.ok) offset = parseInt(head.headers.get('Upload-Offset'), 10);
      else if (head.status === 404) location = null;
      else throw failure(head, null);
    }
    if (!location) {
      const metadata = [
        ['submission', record.id],
        ['survey', record.survey],
        ['name', entry.name],
        ['sha256', entry.sha256],
        ['filetype', entry.type],
      ]
        .map(([key, value]) => key + ' ' + b64(value))
        .join(',');
      const created = await fetch(endpoint(record), {
        ...base,
        method: 'POST',
        headers: headers({ 'Upload-Length': String(entry.size), 'Upload-Metadata': metadata, Accept: 'application/json' }),
      });
      if (!created.ok) throw failure(created, await created.json().catch(() => null));
      location = created.headers.get('Location');
      offset = parseInt(created.headers.get('Upload-Offset'), 10) || 0;
      await update(store, entry.key, { location });
    }
    while (offset < entry.size) {
      if (auth.renew) await auth.renew();
      const chunk = entry.blob.slice(offset, offset + CHUNK);
      const response = await fetch(location, {
        ...base,
        method: 'PATCH',
        headers: headers({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }),
        body: chunk,
      });
      if (response.status === 204 || response.status === 409) {
        offset = parseInt(response.headers.get('Upload-Offset'), 10);
        if (onProgress) onProgress(entry, offset);
        continue;
      }
      if (response.status === 422) {
        // The server read other bytes than we hashed: start again once, then give up.
        if (entry.restarted) throw new Stop({ state: 'problem', message: 'The file could not be verified.' });
        entry.restarted = true;
        offset = 0;
        continue;
      }
      throw failure(response, await response.json().catch(() => null));
    }
    await update(store, entry.key, { uploaded_at: new Date().toISOString(), location });
  }

  function failure(response, body) {
    const message = (body && body.error) || 'The server answered ' + response.status + '.';
    if (response.status === 401) return new Stop({ state: 'signin', message });
    if (response.status === 413 || response.status === 403 || response.status === 409 || response.status === 400) {
      return new Stop({ state: 'problem', message });
    }
    const retry = parseInt(response.headers.get('Retry-After') || '', 10);
    return new Stop({ state: 'error', message, retryAfter: retry > 0 ? retry : null });
  }

  /* Before records are sent: upload the files of each pending record, oldest first.
     Returns {ready: Set of record ids whose files are all on the server, stop?, problems}.
     A record with a file the server refuses (too large, ...) is marked with the reason. */
  async function sendFiles(store, records, auth, onProgress) {
    const ready = new Set();
    for (const record of records) {
      const names = record.files || [];
      if (!names.length) {
        ready.add(record.id);
        continue;
      }
      const entries = await filesOf(store, record.id);
      const byName = new Map(entries.map((entry) => [entry.name, entry]));
      let complete = true;
      for (const name of names) {
        const entry = byName.get(name);
        if (!entry) continue; // named but not on this phone (a backup import): the server says
        if (entry.uploaded_at) continue;
        try {
          await send(store, record, entry, auth, onProgress);
        } catch (error) {
          complete = false;
          if (error instanceof Stop && error.outcome.state === 'problem') {
            await store.markProblem([record.id], error.outcome.message);
            break;
          }
          if (error instanceof Stop) return { ready, stop: error.outcome };
          return { ready, stop: { state: 'offline', message: 'The connection was lost.' } };
        }
      }
      if (complete) ready.add(record.id);
    }
    return { ready };
  }

  /* The server says it lacks some of a record's files: send them again next time. */
  async function markMissing(store, recordId, names) {
    for (const name of names) {
      await update(store, recordId + '/' + name, { uploaded_at: null, location: null });
    }
  }

  scope.SurveyUpload = {
    keep,
    filesOf,
    getFile,
    prune,
    cleanup,
    usage,
    sendFiles,
    markMissing,
    sha256,
    CHUNK,
  };
})(self);
