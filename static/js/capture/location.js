/* Locations: a one-tap "Use my location" for a geopoint, which waits for a good fix
 * within a time limit and shows its accuracy, and lines or shapes walked point by point
 * (no map tiles needed). Typing stays possible in both.
 */
import { t } from '../i18n.js';

const GOOD_ENOUGH_M = 10; // stop waiting once a fix is this accurate
const WAIT_MS = 30 * 1000; // then keep the best fix so far

export function attach(wrapper) {
  if (wrapper.dataset.captureReady) return;
  wrapper.dataset.captureReady = '1';
  if (!navigator.geolocation) return;
  if (wrapper.dataset.capture === 'geopoint') attachPoint(wrapper);
  else attachTrace(wrapper);
}

/* Watch the position until it is good enough or time is up; resolves with the best fix. */
export function bestFix(onUpdate, { goodEnough = GOOD_ENOUGH_M, waitMs = WAIT_MS } = {}) {
  let cancel;
  const promise = new Promise((resolve, reject) => {
    let best = null;
    let watch = null;
    const stop = (result, error) => {
      clearTimeout(timer);
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      if (best || !error) resolve(result || best);
      else reject(error);
    };
    const timer = setTimeout(() => stop(best), waitMs);
    cancel = () => stop(best);
    watch = navigator.geolocation.watchPosition(
      (position) => {
        const { latitude, longitude, altitude, accuracy } = position.coords;
        if (!best || accuracy < best.accuracy) best = { lat: latitude, lon: longitude, alt: altitude, accuracy };
        onUpdate(best);
        if (accuracy <= goodEnough) stop(best);
      },
      (error) => stop(best, error),
      { enableHighAccuracy: true, maximumAge: 0, timeout: waitMs },
    );
  });
  return { promise, cancel: () => cancel && cancel() };
}

function round(value, digits) {
  return Number(value.toFixed(digits));
}

function attachPoint(wrapper) {
  const button = wrapper.querySelector('[data-locate]');
  const state = wrapper.querySelector('[data-locate-state]');
  const [lat, lon] = wrapper.querySelectorAll('input[type=text]');
  const accuracy = wrapper.querySelector('input[data-accuracy]');
  if (!button || !lat || !lon) return;
  button.hidden = false;
  let running = null;
  // A location typed by the person has no known accuracy (not a restored draft's).
  for (const input of [lat, lon]) {
    input.addEventListener('input', (event) => {
      if (event.isTrusted && accuracy) accuracy.value = '';
    });
  }
  button.addEventListener('click', async () => {
    if (running) {
      running.cancel();
      return;
    }
    button.textContent = t('Stop waiting');
    state.textContent = t('Finding your location…');
    running = bestFix((fix) => {
      state.textContent = t('Accuracy {m} m; waiting for a better fix…', { m: Math.round(fix.accuracy) });
    });
    try {
      const fix = await running.promise;
      if (fix) {
        lat.value = round(fix.lat, 6);
        lon.value = round(fix.lon, 6);
        if (accuracy) accuracy.value = round(fix.accuracy, 1);
        lat.dispatchEvent(new Event('input', { bubbles: true }));
        state.textContent = t('Location kept (accuracy {m} m). You can still type it.', { m: Math.round(fix.accuracy) });
      } else {
        state.textContent = t('No location found; type it instead.');
      }
    } catch (error) {
      state.textContent = t('The location is not available ({reason}); type it instead.', { reason: error.message || error.code });
    } finally {
      running = null;
      button.textContent = t('Use my location');
    }
  });
}

function attachTrace(wrapper) {
  const area = wrapper.querySelector('textarea[data-points]');
  if (!area) return;
  const tools = document.createElement('div');
  tools.className = 'capture-actions';
  tools.innerHTML =
    '<button type="button" class="button" data-add-point></button> ' +
    '<button type="button" class="button" data-undo-point></button>' +
    '<p class="hint" data-trace-state aria-live="polite"></p>';
  area.after(tools);
  const add = tools.querySelector('[data-add-point]');
  const undo = tools.querySelector('[data-undo-point]');
  const state = tools.querySelector('[data-trace-state]');
  add.textContent = t('Add my location as a point');
  undo.textContent = t('Remove the last point');
  const lines = () => area.value.split('\n').filter((line) => line.trim());
  const count = () => {
    state.textContent = t('{n} points', { n: lines().length });
  };
  count();
  area.addEventListener('input', count);
  add.addEventListener('click', async () => {
    add.disabled = true;
    state.textContent = t('Finding your location…');
    try {
      const fix = await bestFix((best) => {
        state.textContent = t('Accuracy {m} m; waiting for a better fix…', { m: Math.round(best.accuracy) });
      }, { waitMs: 15000 }).promise;
      if (fix) {
        area.value = [...lines(), `${round(fix.lat, 6)} ${round(fix.lon, 6)} ${round(fix.alt || 0, 1)} ${round(fix.accuracy, 1)}`].join('\n');
        area.dispatchEvent(new Event('input', { bubbles: true }));
      }
    } catch (error) {
      state.textContent = t('The location is not available ({reason}); type it instead.', { reason: error.message || error.code });
    } finally {
      add.disabled = false;
    }
  });
  undo.addEventListener('click', () => {
    area.value = lines().slice(0, -1).join('\n');
    area.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
