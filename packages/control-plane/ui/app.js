import { api } from './api.js';
import { h, mount } from './dom.js';
import { setKnownServices } from './format.js';
import { renderCards } from './service-cards.js';
import { renderTopology } from './topology.js';
import { initTraces, searchTraces, setServiceChoices, setTracesApi } from './traces.js';

const live = document.getElementById('live');
let refreshMs = 1500;
let timer;
let lastSuccess = 0;

function showTab(name) {
  for (const button of document.querySelectorAll('[data-tab]')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === name));
  }
  document.getElementById('tab-overview').hidden = name !== 'overview';
  document.getElementById('tab-traces').hidden = name !== 'traces';
  if (name === 'traces') searchTraces();
  history.replaceState(null, '', `#${name}`);
}

function setLive(state, text) {
  live.dataset.state = state;
  live.querySelector('.text').textContent = text;
}

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
    const overview = await api('/api/overview');
    lastSuccess = Date.now();
    // Poll at the server's scrape pace, kept within 1–2 s so the page feels live without flooding.
    refreshMs = Math.min(2000, Math.max(1000, overview.refreshMs ?? 1500));
    setTracesApi(overview.tracesApi ?? '/api/traces');
    const names = [overview.gateway?.name, ...overview.services.map((service) => service.name)].filter(
      Boolean,
    );
    setKnownServices(names);
    setServiceChoices(names);
    renderTopology(document.getElementById('topology'), overview, select);
    renderCards(document.getElementById('cards'), overview);
    const banner = document.getElementById('banner');
    const down = overview.services
      .filter((service) => service.status === 'down')
      .map((service) => service.name);
    banner.hidden = down.length === 0;
    if (down.length > 0) mount(banner, h('b', {}, 'Down: '), down.join(', '));
    setLive('live', `live · ${new Date(lastSuccess).toLocaleTimeString([], { hour12: false })}`);
  } catch (error) {
    setLive('down', lastSuccess ? `control plane unreachable (${error.message})` : error.message);
  } finally {
    if (!document.hidden) timer = setTimeout(refresh, refreshMs);
  }
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refresh();
});
for (const button of document.querySelectorAll('[data-tab]')) {
  button.addEventListener('click', () => showTab(button.dataset.tab));
}
initTraces();
showTab(location.hash === '#traces' ? 'traces' : 'overview');
refresh();
