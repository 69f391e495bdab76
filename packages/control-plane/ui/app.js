// @ts-check
import { api, messageOf } from './api.js';
import { find, h, mount } from './dom.js';
import { showExplorer } from './explorer.js';
import { clock, setKnownServices } from './format.js';
import { hideJobs, showJobs } from './jobs.js';
import { initLineage } from './lineage.js';
import { hideLogs, initLogs, showLogs } from './logs.js';
import { renderProblems } from './problems.js';
import { renderCards } from './service-cards.js';
import { renderTopology } from './topology.js';
import { initTraces, searchTraces, setTraceServices, setTracesApi } from './traces.js';

/** @typedef {import('../src/dashboard/overview.js').Overview} Overview */

/** The page's tabs, as their buttons' `data-tab` and their sections' `tab-…` ids name them. */
const TABS = ['overview', 'traces', 'logs', 'events', 'explorer', 'jobs'];

const live = find('#live', HTMLElement);
/** @type {string} */
let currentTab = 'overview';
let refreshMs = 1500;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
let lastSuccess = 0;

/** @param {string} name */
function showTab(name) {
  currentTab = name;
  for (const tab of TABS) {
    find(`[data-tab="${tab}"]`, HTMLElement).setAttribute('aria-selected', String(tab === name));
    find(`#tab-${tab}`, HTMLElement).hidden = tab !== name;
  }
  if (name === 'logs') showLogs();
  else hideLogs();
  if (name === 'traces') searchTraces();
  if (name === 'explorer') showExplorer();
  if (name === 'jobs') showJobs();
  else hideJobs();
  history.replaceState(null, '', `#${name}`);
}

/**
 * @param {'live' | 'down'} state
 * @param {string} text
 */
function setLive(state, text) {
  live.dataset.state = state;
  find('#live .text', HTMLElement).textContent = text;
}

/** @param {string} service */
function select(service) {
  const card = document.getElementById(`card-${service}`);
  if (!card) return;
  card.scrollIntoView({ behavior: 'smooth', block: 'center' });
  card.classList.add('flash');
  setTimeout(() => card.classList.remove('flash'), 1200);
}

async function refresh() {
  clearTimeout(timer);
  try {
    /** @type {Overview} */
    const overview = await api('/api/overview');
    lastSuccess = Date.now();
    // Poll at the server's scrape pace, kept within 1–2 s so the page feels live without flooding.
    refreshMs = Math.min(2000, Math.max(1000, overview.refreshMs ?? 1500));
    setTracesApi(overview.tracesApi ?? '/api/traces');
    const names = [
      ...(overview.gateway ? [overview.gateway.name] : []),
      ...overview.services.map((service) => service.name),
    ];
    setKnownServices(names);
    setTraceServices(names);
    renderTopology(find('#topology', HTMLElement), overview, select);
    renderCards(find('#cards', HTMLElement), overview);
    renderProblems(find('#problems', HTMLElement), overview.problems);
    const banner = find('#banner', HTMLElement);
    const down = overview.services
      .filter((service) => service.status === 'down')
      .map((service) => service.name);
    banner.hidden = down.length === 0;
    if (down.length > 0) mount(banner, h('b', {}, 'Down: '), down.join(', '));
    setLive('live', `live · ${clock(lastSuccess)}`);
  } catch (error) {
    setLive('down', lastSuccess ? `control plane unreachable (${messageOf(error)})` : messageOf(error));
  } finally {
    if (!document.hidden) timer = setTimeout(refresh, refreshMs);
  }
}

// Every poll stops while the page is hidden; showing the tab again starts its own.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  refresh();
  showTab(currentTab);
});
for (const tab of TABS) {
  find(`[data-tab="${tab}"]`, HTMLElement).addEventListener('click', () => showTab(tab));
}
initTraces();
initLogs();
initLineage();
const opened = location.hash.slice(1);
showTab(TABS.includes(opened) ? opened : 'overview');
refresh();
