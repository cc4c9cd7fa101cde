/* The public form's "answers on this phone" panel: how many answers wait to be sent, why
 * any could not be sent (the server's reason, already in the survey's language; "refused
 * by the server" with its message for a record it will never take, which stays here and
 * in the backup file), and the "Send now" and "Save a backup file" buttons. A public link
 * has no home screen, so this is where its outbox shows. The words are rendered by the
 * server (the page and publictexts.js); this only counts.
 */
import { onSyncChange, openStore, requestSync, saveBackup, user } from './offline.js';
import { pt } from './publictexts.js';

const panel = document.getElementById('link-phone');
if (panel && user.startsWith('link:')) start(panel);

async function start(panel) {
  let store;
  try {
    store = await openStore();
  } catch (error) {
    return; // no storage: the form posts straight to the server, nothing waits here
  }
  const render = async () => {
    const outbox = await store.list('outbox');
    panel.hidden = outbox.length === 0;
    // A refused answer is kept and listed below, but it no longer waits to be sent.
    panel.querySelector('[data-waiting]').textContent = String(outbox.filter((record) => !record.refused).length);
    const reasons = [
      ...new Set(
        outbox
          .filter((record) => record.problem)
          .map((record) => (record.refused ? pt('phone_refused') + ' ' + record.refused.message : record.problem)),
      ),
    ];
    const list = panel.querySelector('[data-problems]');
    list.replaceChildren(
      ...reasons.map((reason) => {
        const item = document.createElement('li');
        item.textContent = reason;
        return item;
      }),
    );
    list.hidden = reasons.length === 0;
  };
  panel.querySelector('[data-send-now]').addEventListener('click', async () => {
    await requestSync({ includeProblems: true }); // a resumed link takes them again
    await render();
  });
  panel.querySelector('[data-backup]').addEventListener('click', () => saveBackup());
  onSyncChange(() => render());
  document.addEventListener('visibilitychange', () => render());
  await render();
}
