/* What a public link's form does so that a shared phone keeps nothing of a respondent for
 * the next person (docs/public-links.md, "What the phone keeps"); form.js calls it for a
 * form with data-link-token.
 *
 * - The open draft follows its page only to the page the form itself opens (its language
 *   switch, an update), by a one-time hand-over in sessionStorage: a reload, the back
 *   button or the link opened again finds nothing, since no draft id is ever in the URL.
 * - Unfinished answers older than the form's data-draft-hours are deleted on opening.
 * - A page restored from the back/forward cache (still showing answers) is loaded afresh.
 * - "Delete my answers from this phone" empties the link's store after a confirmation.
 * Loaded by form.js with import() so a facilitator's form does not download it.
 */
import { user } from './offline.js';
import { pt } from './publictexts.js';

export { pt };

const HANDOVER_KEY = 'survey-handover:' + user;
const FORGOTTEN_KEY = 'survey-forgotten:' + user;
const HANDOVER_MS = 60 * 1000;

/* Hand the open draft to the next page this page itself opens (language, update). */
export function handOver(id) {
  try {
    sessionStorage.setItem(HANDOVER_KEY, JSON.stringify({ id, until: Date.now() + HANDOVER_MS }));
  } catch (error) {
    /* no sessionStorage: the next page starts empty, the answers stay until they expire */
  }
}

/* The draft handed over by the previous page, once: a reload or the back button finds none. */
export function takeHandover() {
  try {
    const raw = sessionStorage.getItem(HANDOVER_KEY);
    sessionStorage.removeItem(HANDOVER_KEY);
    const handed = raw ? JSON.parse(raw) : null;
    return handed && handed.until > Date.now() ? handed.id : null;
  } catch (error) {
    return null;
  }
}

/* A public form's start: delete abandoned answers past their hours, say so if the last
   page deleted everything, and never show a page kept by the back/forward cache (it still
   holds the previous person's answers on screen): load it afresh instead. */
export async function startPublic(form, store) {
  const hours = Number(form.dataset.draftHours);
  if (Number.isFinite(hours) && hours > 0) await store.expireDrafts(hours * 3600 * 1000).catch(() => 0);
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
  try {
    if (sessionStorage.getItem(FORGOTTEN_KEY)) {
      sessionStorage.removeItem(FORGOTTEN_KEY);
      const done = document.querySelector('[data-forgotten]');
      if (done) done.hidden = false;
    }
  } catch (error) {
    /* no sessionStorage: no note, the deletion itself happened */
  }
}

/* "Delete my answers from this phone": after a confirmation, every record of this link's
   store (waiting, refused, unfinished, the list of sent ones) goes, and the page starts over. */
export function wireForget(form, store, saver) {
  const section = document.getElementById('link-forget');
  if (!section) return;
  section.hidden = false;
  section.querySelector('[data-forget]').addEventListener('click', async () => {
    if (!window.confirm(pt('forget_confirm'))) return;
    saver.stop();
    await saver.flush(); // a save already under way finishes before the store is emptied
    await store.forgetAll();
    try {
      sessionStorage.setItem(FORGOTTEN_KEY, '1');
      sessionStorage.removeItem(HANDOVER_KEY);
    } catch (error) {
      /* the page starts over without the note */
    }
    form.reset();
    location.replace(location.pathname + location.search);
  });
}

/* The confirmation's title and sentence for a respondent, by the record's state. */
export function confirmationWords(state, record) {
  if (state === 'sent') return [pt('answer_received_title'), [pt('answer_received')]];
  if (state === 'refused') return [pt('answer_refused_title'), [pt('phone_refused') + ' ' + record.refused.message]];
  if (state === 'problem') return [pt('answer_waiting_title'), [record.problem]];
  return [pt('answer_waiting_title'), [pt('answer_waiting')]];
}
