// @ts-check
import { api, messageOf } from './api.js';
import { find, h, mount } from './dom.js';
import { clock, millis, tag } from './format.js';
import { setServiceChoices } from './service-choices.js';
import { toSummaries, toTrace } from './trace-shapes.js';
import { renderWaterfall } from './waterfall.js';

let tracesApi = '/api/traces';

/** @param {string} path */
export function setTracesApi(path) {
  tracesApi = path;
}

/** Where traces are read, as the overview last said. */
export function tracesApiPath() {
  return tracesApi;
}

/**
 * Keeps the service filter's choices in step with what the registry knows.
 * @param {string[]} names
 */
export function setTraceServices(names) {
  setServiceChoices(find('#trace-search select[name=service]', HTMLSelectElement), names);
}

export function initTraces() {
  find('#trace-search', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    searchTraces();
  });
}

export async function searchTraces() {
  const form = new FormData(find('#trace-search', HTMLFormElement));
  const query = new URLSearchParams({ limit: '50' });
  for (const [key, value] of form) if (value !== '') query.set(key, String(value));
  const list = find('#trace-list', HTMLElement);
  try {
    const traces = toSummaries(await api(`${tracesApi}?${query}`));
    if (traces.length === 0)
      return mount(
        list,
        h('p', { class: 'muted empty' }, 'No traces match. Send some traffic through the gateway.'),
      );
    mount(
      list,
      h(
        'table',
        { class: 'traces' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['time', 'root', 'services', 'spans', 'duration', 'status'].map((title) => h('th', {}, title)),
          ),
        ),
        h('tbody', {}, traces.map(row)),
      ),
    );
  } catch (error) {
    mount(list, h('p', { class: 'error' }, `Traces unavailable: ${messageOf(error)}`));
  }
}

/** @param {import('./trace-shapes.js').TraceSummary} trace */
function row(trace) {
  return h(
    'tr',
    {
      class: trace.error ? 'error-row' : '',
      'data-trace': trace.traceId,
      tabindex: 0,
      onclick: () => openTrace(trace.traceId),
    },
    h('td', { class: 'muted' }, trace.start ? clock(trace.start) : ''),
    h('td', {}, h('b', {}, trace.service), ' ', trace.name),
    h(
      'td',
      {},
      trace.services.map((name) => tag(name)),
    ),
    h('td', {}, trace.spanCount ?? ''),
    h('td', {}, millis(trace.duration)),
    h(
      'td',
      {},
      h('span', { class: `pill ${trace.error ? 'down' : 'healthy'}` }, trace.error ? 'error' : 'ok'),
    ),
  );
}

/**
 * Switches to the Traces tab, on one trace's waterfall when given.
 * @param {string} [traceId]
 */
export function showTraces(traceId) {
  find('[data-tab="traces"]', HTMLElement).click();
  if (traceId !== undefined) openTrace(traceId);
}

/** @param {string} traceId */
export async function openTrace(traceId) {
  const view = find('#trace-view', HTMLElement);
  view.hidden = false;
  mount(view, h('p', { class: 'muted' }, 'loading…'));
  try {
    renderWaterfall(view, toTrace(await api(`${tracesApi}/${encodeURIComponent(traceId)}`)), traceId);
    view.scrollIntoView({ block: 'nearest' });
  } catch (error) {
    mount(view, h('p', { class: 'error' }, `Trace ${traceId}: ${messageOf(error)}`));
  }
}
