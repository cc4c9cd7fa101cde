/* One language choice per person, kept on the phone.
 *
 * The server remembers a language asked for with ?lang= in the `lang` cookie (a year).
 * This keeps the same choice in localStorage and writes the cookie itself when a header
 * language link is pressed, so the choice holds offline too: the page the worker serves
 * offline is in the language it was saved in, but the form's questions follow the choice
 * (formlogic.js reads it), and the next page from the server is in the chosen language.
 */
const KEY = 'survey-app-lang';
const FORM_KEY = 'survey-app-form-lang'; // formlogic.js: the form's own language
const YEAR = 365 * 24 * 3600;

function storage(action) {
  try {
    return action(localStorage);
  } catch (error) {
    return null; // private mode: the cookie alone remembers
  }
}

export function cookieLanguage() {
  const match = /(?:^|;\s*)lang=([a-z]{2,3})(?:;|$)/.exec(document.cookie);
  return match ? match[1] : null;
}

export function rememberLanguage(code) {
  if (!/^[a-z]{2,3}$/.test(code || '')) return;
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `lang=${code}; max-age=${YEAR}; path=/; samesite=lax${secure}`;
  storage((s) => {
    s.setItem(KEY, code);
    s.setItem(FORM_KEY, code);
  });
}

// The cookie is the server's copy; localStorage keeps the choice if the cookie is lost.
const cookie = cookieLanguage();
const stored = storage((s) => s.getItem(KEY));
if (cookie && cookie !== stored) {
  storage((s) => {
    s.setItem(KEY, cookie);
    s.setItem(FORM_KEY, cookie);
  });
} else if (!cookie && stored) {
  rememberLanguage(stored);
}

// Before any other handler (form.js keeps the draft and follows the link itself).
document.addEventListener(
  'click',
  (event) => {
    const link = event.target.closest && event.target.closest('a[data-ui-lang]');
    if (link) rememberLanguage(link.dataset.lang);
  },
  true,
);
