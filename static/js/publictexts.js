/* The public form's own texts, in the survey's language.
 *
 * A respondent never reads staff words ("outbox", "reference", "app"): the public pages'
 * texts live in survey_app/links/texts.py, and the server renders the ones the scripts need
 * into <script type="application/json" id="public-texts"> of the form page, so a page
 * cached on the phone carries them offline. A missing text is an empty string.
 */
let texts = null;

export function pt(key) {
  if (!texts) {
    texts = {};
    try {
      const element = document.getElementById('public-texts');
      if (element) texts = JSON.parse(element.textContent) || {};
    } catch (error) {
      texts = {};
    }
  }
  return texts[key] || '';
}
