/* The phone's record store: one IndexedDB database per account, holding its drafts, its
 * outbox (finalised, not yet acknowledged by the server) and a short list of recently sent
 * records.
 *
 * Why a classic script and not an ES module: the service worker loads it with
 * importScripts (module service workers are not in every browser a cheap phone runs),
 * and pages import it for its side effect. Either way it defines self.SurveyStore.
 *
 * Why one database per account: a shared phone must never show one facilitator's
 * drafts to another, and deleting or exporting one account's data is then one name.
 *
 * A record: {id (UUID made by the phone, never changed), state: 'draft'|'outbox'|'sent',
 * survey, version, title, lang, data (the sync API's answers), fields (the form's raw
 * name/value pairs, to restore it), meta {started_at, finalized_at, device_id,
 * app_version, account}, created_at, updated_at, problem?, refused?, sent_at?, status?,
 * files? (names of its files, which live in the 'files' store: see upload-core.js)}.
 *
 * `refused` ({reason, message, at}) marks an outbox record the server answered `refused`:
 * it will never take it, so it is not sent again, but it stays on the phone (shown, and in
 * the backup file a coordinator imports) because nobody else has a copy.
 */
(function (scope) {
  'use strict';

  const DB_VERSION = 2; // 2: the 'files' store (a record's photos and recordings, upload-core.js)
  const SENT_KEEP = 30; // recently sent records shown on the home screen (answers dropped)
  const SENT_KEEP_MS = 14 * 24 * 3600 * 1000;
  const ACK_STATUSES = ['stored', 'duplicate', 'conflict', 'quarantined'];
  const REFUSED = 'refused'; // "never sent again, keep it": the record stays, marked
  const MESSAGE_MAX = 500;

  function databaseName(user) {
    return 'survey-app:' + user;
  }

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function nowIso() {
    return new Date().toISOString();
  }

  class FinalisedError extends Error {}

  class Store {
    constructor(user, db) {
      this.user = user;
      this.db = db;
    }

    /* Run body(stores...) in one transaction; resolves with its result once committed.
       Only IndexedDB requests may be awaited inside body, or the transaction ends early. */
    tx(names, mode, body) {
      return new Promise((resolve, reject) => {
        let result;
        let transaction;
        try {
          transaction = this.db.transaction(names, mode);
        } catch (error) {
          reject(error);
          return;
        }
        transaction.oncomplete = () => resolve(result);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error || new Error('transaction aborted'));
        const stores = names.map((name) => transaction.objectStore(name));
        Promise.resolve()
          .then(() => body(...stores))
          .then(
            (value) => {
              result = value;
            },
            (error) => {
              try {
                transaction.abort();
              } catch (ignored) {
                /* already finished */
              }
              reject(error);
            },
          );
      });
    }

    get(id) {
      return this.tx(['records'], 'readonly', (records) => done(records.get(id)));
    }

    list(state) {
      return this.tx(['records'], 'readonly', (records) =>
        done(records.index('state').getAll(state)),
      ).then((rows) => rows.sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1)));
    }

    async counts() {
      const result = {};
      await this.tx(['records'], 'readonly', async (records) => {
        for (const state of ['draft', 'outbox', 'sent']) {
          result[state] = await done(records.index('state').count(state));
        }
      });
      return result;
    }

    /* Save a draft; refuses to overwrite a record that was finalised meanwhile (a late
       autosave, or a second tab), so an outbox record can never turn back into a draft. */
    saveDraft(record) {
      return this.tx(['records'], 'readwrite', async (records) => {
        const existing = await done(records.get(record.id));
        if (existing && existing.state !== 'draft') {
          throw new FinalisedError('This record is already finished.');
        }
        const now = nowIso();
        const saved = {
          ...record,
          state: 'draft',
          created_at: (existing && existing.created_at) || now,
          updated_at: now,
        };
        await done(records.put(saved));
        return saved;
      });
    }

    /* Move a record to the outbox. Finalising twice keeps the first finalised copy. */
    finalise(record) {
      return this.tx(['records'], 'readwrite', async (records) => {
        const existing = await done(records.get(record.id));
        if (existing && existing.state !== 'draft') return existing;
        const now = nowIso();
        const saved = {
          ...record,
          state: 'outbox',
          created_at: (existing && existing.created_at) || now,
          updated_at: now,
          meta: { ...record.meta, finalized_at: (record.meta && record.meta.finalized_at) || now },
        };
        await done(records.put(saved));
        return saved;
      });
    }

    discardDraft(id) {
      return this.tx(['records'], 'readwrite', async (records) => {
        const existing = await done(records.get(id));
        if (!existing || existing.state !== 'draft') return false;
        await done(records.delete(id));
        return true;
      });
    }

    /* Delete drafts not changed for maxAgeMs (a public link's abandoned answers: a shared
       phone must not keep them for the next person). Returns how many went. */
    expireDrafts(maxAgeMs) {
      return this.tx(['records'], 'readwrite', async (records) => {
        const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
        let count = 0;
        for (const row of await done(records.index('state').getAll('draft'))) {
          if ((row.updated_at || '') < cutoff) {
            await done(records.delete(row.id));
            count += 1;
          }
        }
        return count;
      });
    }

    /* Delete every record and the sync state of this store ("Delete my answers from this
       phone" on a public link): nothing is left for the next person on the phone. */
    forgetAll() {
      return this.tx(['records', 'kv'], 'readwrite', async (records, kv) => {
        await done(records.clear());
        await done(kv.clear());
      });
    }

    /* Record the server's answers. Only an acknowledged record (one of the four statuses)
       leaves the outbox; it is kept as a short summary without its answers. A refused one
       stays in the outbox, whole, marked with the server's reason and message. */
    acknowledge(results) {
      return this.tx(['records'], 'readwrite', async (records) => {
        let count = 0;
        const now = nowIso();
        for (const result of results) {
          if (result && result.status === REFUSED) {
            const existing = await done(records.get(result.id));
            if (!existing || existing.state !== 'outbox') continue;
            const reason = String(result.reason || REFUSED).slice(0, MESSAGE_MAX);
            const message = String(result.message || reason).slice(0, MESSAGE_MAX);
            await done(
              records.put({ ...existing, refused: { reason, message, at: now }, problem: message, updated_at: now }),
            );
            continue;
          }
          if (!result || !ACK_STATUSES.includes(result.status)) continue;
          const existing = await done(records.get(result.id));
          if (!existing || existing.state !== 'outbox') continue;
          await done(
            records.put({
              id: existing.id,
              state: 'sent',
              survey: existing.survey,
              version: existing.version,
              title: existing.title,
              status: result.status,
              created_at: existing.created_at,
              updated_at: now,
              sent_at: now,
            }),
          );
          count += 1;
        }
        const sent = await done(records.index('state').getAll('sent'));
        sent.sort((a, b) => (a.sent_at < b.sent_at ? 1 : -1));
        const cutoff = new Date(Date.now() - SENT_KEEP_MS).toISOString();
        for (const [index, row] of sent.entries()) {
          if (index >= SENT_KEEP || row.sent_at < cutoff) await done(records.delete(row.id));
        }
        return count;
      });
    }

    /* Mark outbox records the server refused one by one (kept, shown, retried by hand). */
    markProblem(ids, message) {
      return this.tx(['records'], 'readwrite', async (records) => {
        for (const id of ids) {
          const existing = await done(records.get(id));
          if (existing && existing.state === 'outbox') {
            await done(records.put({ ...existing, problem: message }));
          }
        }
      });
    }

    getValue(key) {
      return this.tx(['kv'], 'readonly', (kv) => done(kv.get(key)));
    }

    setValue(key, value) {
      return this.tx(['kv'], 'readwrite', (kv) => done(kv.put(value, key)));
    }

    /* Merge changes into a stored object (the sync status) in one transaction; changes
       may be a function of the previous value. */
    updateValue(key, changes) {
      return this.tx(['kv'], 'readwrite', async (kv) => {
        const previous = (await done(kv.get(key))) || {};
        const update = typeof changes === 'function' ? changes(previous) : changes;
        const merged = { ...previous, ...update };
        await done(kv.put(merged, key));
        return merged;
      });
    }

    /* Take a time-limited lease (used only where the Web Locks API is missing). */
    takeLease(name, owner, ms) {
      return this.tx(['kv'], 'readwrite', async (kv) => {
        const lease = await done(kv.get('lease:' + name));
        if (lease && lease.owner !== owner && lease.until > Date.now()) return false;
        await done(kv.put({ owner, until: Date.now() + ms }, 'lease:' + name));
        return true;
      });
    }

    releaseLease(name, owner) {
      return this.tx(['kv'], 'readwrite', async (kv) => {
        const lease = await done(kv.get('lease:' + name));
        if (lease && lease.owner === owner) await done(kv.delete('lease:' + name));
      });
    }
  }

  function open(user) {
    if (!user) return Promise.reject(new Error('Not signed in.'));
    if (!scope.indexedDB) return Promise.reject(new Error('This browser cannot store data.'));
    return new Promise((resolve, reject) => {
      let request;
      try {
        request = scope.indexedDB.open(databaseName(user), DB_VERSION);
      } catch (error) {
        reject(error);
        return;
      }
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('records')) {
          const records = db.createObjectStore('records', { keyPath: 'id' });
          records.createIndex('state', 'state');
          db.createObjectStore('kv');
        }
        if (!db.objectStoreNames.contains('files')) {
          // A record's files as Blobs, keyed "<record id>/<name>", beside their record.
          db.createObjectStore('files', { keyPath: 'key' }).createIndex('record', 'record');
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => db.close(); // let a newer release upgrade the schema
        resolve(new Store(user, db));
      };
      request.onerror = () => reject(request.error || new Error('IndexedDB failed to open.'));
    });
  }

  scope.SurveyStore = { open, databaseName, FinalisedError, ACK_STATUSES, REFUSED };
})(self);
