// What is on screen: the current view's token (a view that finished loading after the user
// moved on renders nothing), its polling timers, and rendering into <main>.
import { errorText } from './api.js';
import { destroyCharts, replaceCharts } from './charts.js';

const POLL_MS = 1000;
const main = document.getElementById('main');

let token = 0;
const timers = new Set();

function stopPolling() {
  for (const t of timers) clearTimeout(t);
  timers.clear();
}

/** Calls `fn` now and again every POLL_MS after it settles, for as long as this view is shown. */
export function poll(myToken, fn) {
  const tick = async () => {
    if (myToken !== token) return;
    let again = true;
    try {
      again = (await fn()) !== false;
    } catch (e) {
      if (myToken === token) showPollError(e);
    }
    if (again && myToken === token) {
      const t = setTimeout(() => {
        timers.delete(t);
        void tick();
      }, POLL_MS);
      timers.add(t);
    }
  };
  void tick();
}

function showPollError(e) {
  const el = document.getElementById('poll-error');
  if (el) el.textContent = errorText(e);
}

const present = (nodes) => nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false);

export function render(myToken, ...nodes) {
  if (myToken !== token) return false;
  destroyCharts();
  main.replaceChildren(...present(nodes));
  return true;
}

export function renderWithCharts(myToken, nodes, mounts) {
  if (myToken !== token) return;
  main.replaceChildren(...present(nodes));
  replaceCharts(mounts);
}

/** Starts a new view: the views still loading or polling for the old one stop counting. */
export function nextView() {
  token += 1;
  stopPolling();
  destroyCharts();
  return token;
}

/** Whether `myToken`'s view is still the one shown. */
export function isCurrent(myToken) {
  return myToken === token;
}

/** Shows nodes in <main> at once (the page's own notices: key needed, no such page, loading). */
export function show(...nodes) {
  main.replaceChildren(...nodes);
}
