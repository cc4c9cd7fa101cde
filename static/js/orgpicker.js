/* The organisation picker: offer the registry's organisations in the repeats a survey
 * declares as naming them (a definition's `registry` on a repeat), like ODK's entity lists.
 *
 * The list comes from /api/v1/registry/organisations, which the service worker keeps
 * (network first, its saved copy offline), so a facilitator can pick one with no signal.
 * Picking fills in the registry's spelling and, if not answered yet, its type. A name that
 * is not in the list is simply kept as typed: it syncs like any answer and becomes a new
 * registry entry that coordinators review. Nothing here blocks the form if the list is
 * missing; the field stays a plain text box.
 */
import { inlineDefinition } from './formread.js';

const LIST_URL = '/api/v1/registry/organisations';
const form = document.querySelector('form.survey-form');
if (form) start(form);

function declaredRepeats(questions, found = []) {
  for (const q of questions || []) {
    if (q.type === 'repeat' && q.registry && q.registry.name) {
      found.push({ repeat: q.name, name: q.registry.name, type: q.registry.type || null });
    }
    declaredRepeats(q.questions, found);
  }
  return found;
}

/* The same folding as survey_app/networks/names.py: case, accents, punctuation, spacing. */
export function nameKey(text) {
  return String(text || '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}_]+/gu, ' ')
    .trim();
}

async function loadList() {
  try {
    const response = await fetch(LIST_URL, { credentials: 'same-origin' });
    if (!response.ok) return [];
    const body = await response.json();
    return Array.isArray(body.organisations) ? body.organisations : [];
  } catch (error) {
    return [];
  }
}

async function start(formElement) {
  const definition = inlineDefinition();
  const repeats = declaredRepeats(definition && definition.questions);
  if (!repeats.length) return;
  const organisations = await loadList();
  if (!organisations.length) return;
  const list = document.createElement('datalist');
  list.id = 'registry-organisations';
  for (const org of organisations) {
    const option = document.createElement('option');
    option.value = org.name;
    list.append(option);
  }
  formElement.append(list);
  const byKey = new Map(organisations.map((org) => [nameKey(org.name), org]));

  const wire = (root) => {
    for (const r of repeats) {
      for (const input of root.querySelectorAll(`input[name^="${r.repeat}["]`)) {
        if (!input.name.endsWith(`].${r.name}`)) continue;
        input.setAttribute('list', list.id);
        input.setAttribute('autocomplete', 'off');
        input.dataset.registryType = r.type || '';
      }
    }
  };
  wire(formElement);
  formElement.addEventListener('survey:repeat-added', (event) => wire(event.detail.item || formElement));
  formElement.addEventListener('survey:restored', () => wire(formElement));
  formElement.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute('list')) return;
    const org = byKey.get(nameKey(input.value));
    if (!org) return;
    if (input.value !== org.name) {
      input.value = org.name;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    const typeQuestion = input.dataset.registryType;
    if (!typeQuestion || !org.type) return;
    const typeName = input.name.replace(/\.[^.]+$/, `.${typeQuestion}`);
    const fields = [...formElement.querySelectorAll(`[name="${CSS.escape(typeName)}"]`)];
    if (fields.some((f) => (f.type === 'radio' ? f.checked : f.value))) return; // answered already
    const target = fields.find((f) => (f.type === 'radio' ? f.value === org.type : true));
    if (!target) return;
    if (target.type === 'radio') target.checked = true;
    else target.value = org.type;
    target.dispatchEvent(new Event('change', { bubbles: true }));
  });
}
