// @ts-check
// The API explorer: every route the gateway serves, a form per route, the answer and its trace.
import { api, messageOf } from './api.js';
import { find, h, mount } from './dom.js';
import { millis } from './format.js';
import { operationForm, operationsOf } from './schema-form.js';
import { toSummaries } from './trace-shapes.js';
import { openTrace, searchTraces, showTraces, tracesApiPath } from './traces.js';

/** @typedef {import('./schema-form.js').Operation} Operation */
/** @typedef {import('./schema-form.js').OpenApiDocument} OpenApiDocument */
/** @typedef {import('../src/dashboard/send-through-gateway.js').ExplorerAnswer} ExplorerAnswer */

/** The bearer token survives a reload of the tab, not the browser session. */
const TOKEN_KEY = 'flotilla.explorer.token';
/** Spans reach the control plane in exporters' batches (every few seconds): a trace is complete once it stops growing for this long. */
const TRACE_SETTLED_MS = 8000;
const TRACE_GIVE_UP_MS = 60_000;
/** How many of the newest traces are searched for the one sent. */
const NEWEST = 200;

/** @type {{ document: OpenApiDocument, operations: Operation[], gateway: string } | undefined} */
let loaded;
/** @type {string | undefined} */
let followed;

export async function showExplorer() {
  if (!loaded) await load();
}

async function load() {
  const root = find('#explorer', HTMLElement);
  mount(root, h('p', { class: 'muted' }, 'loading the gateway’s routes…'));
  try {
    /** @type {{ gateway: string, document: OpenApiDocument }} */
    const answer = await api('/api/explorer/openapi');
    loaded = { ...answer, operations: operationsOf(answer.document) };
    render(root, loaded.operations);
  } catch (error) {
    mount(
      root,
      h(
        'div',
        { class: 'panel' },
        h('p', { class: 'error' }, `Routes unavailable: ${messageOf(error)}`),
        h('button', { type: 'button', onclick: () => load() }, 'Try again'),
      ),
    );
  }
}

/**
 * @param {HTMLElement} root
 * @param {Operation[]} operations
 */
function render(root, operations) {
  const list = h('div', { class: 'operation-list' });
  const request = h('div', { class: 'panel explorer-request' }, h('p', { class: 'muted' }, 'Pick a route.'));
  const filter = h('input', { type: 'search', placeholder: 'filter routes', autocomplete: 'off' });
  const showList = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = operations.filter((operation) => {
      const text = `${operation.method} ${operation.path} ${operation.summary ?? ''}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
    mount(
      list,
      shown.length === 0 ? h('p', { class: 'muted' }, 'No route matches.') : null,
      shown.map((operation) =>
        h(
          'button',
          {
            type: 'button',
            class: 'operation',
            'data-operation': `${operation.method} ${operation.path}`,
            title: operation.summary ?? '',
            onclick: (/** @type {MouseEvent & { currentTarget: HTMLElement }} */ event) => {
              for (const other of list.querySelectorAll('.selected')) other.classList.remove('selected');
              event.currentTarget.classList.add('selected');
              pick(request, operation);
            },
          },
          h('span', { class: `method ${operation.method.toLowerCase()}` }, operation.method),
          h('span', { class: 'path' }, operation.path),
        ),
      ),
    );
  };
  filter.addEventListener('input', showList);
  showList();
  const unavailable = loaded?.document['x-unavailable'];
  mount(
    root,
    h(
      'div',
      { class: 'panel explorer-routes' },
      h('h2', {}, 'Routes'),
      h('p', { class: 'muted' }, `through ${loaded?.gateway ?? 'the gateway'}`),
      unavailable?.length ? h('p', { class: 'error' }, `not answering: ${unavailable.join(', ')}`) : null,
      filter,
      list,
      h('button', { type: 'button', class: 'link', onclick: () => load() }, 'reload routes'),
    ),
    request,
  );
}

/**
 * @param {HTMLElement} panel
 * @param {Operation} operation
 */
function pick(panel, operation) {
  if (!loaded) return;
  const form = operationForm(operation, loaded.document);
  const token = h('input', {
    name: 'token',
    type: 'password',
    placeholder: 'optional bearer token',
    autocomplete: 'off',
    value: sessionStorage.getItem(TOKEN_KEY) ?? '',
  });
  const answer = h('div', { class: 'explorer-answer' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const element = h(
    'form',
    { id: 'explorer-form', 'data-operation': `${operation.method} ${operation.path}` },
    h(
      'div',
      { class: 'request-line' },
      h('span', { class: `method ${operation.method.toLowerCase()}` }, operation.method),
      h('code', {}, operation.path),
    ),
    operation.summary ? h('p', { class: 'muted' }, operation.summary) : null,
    form.fields,
    h('label', { class: 'token' }, h('span', {}, 'Authorization: Bearer'), token),
    h('div', { class: 'actions' }, send),
    answer,
  );
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, token.value);
    const filled = form.read();
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json', ...filled.headers };
    if (token.value) headers.authorization = `Bearer ${token.value}`;
    send.disabled = true;
    mount(answer, h('p', { class: 'muted' }, 'sending…'));
    try {
      /** @type {ExplorerAnswer} */
      const result = await api('/api/explorer/send', {
        method: 'POST',
        body: {
          method: operation.method,
          path: filled.path,
          headers,
          ...(filled.body === undefined ? {} : { body: filled.body }),
        },
      });
      showAnswer(answer, result);
    } catch (error) {
      mount(answer, h('p', { class: 'error' }, `Not sent: ${messageOf(error)}`));
    } finally {
      send.disabled = false;
    }
  });
  mount(panel, element);
}

/**
 * @param {HTMLElement} element
 * @param {ExplorerAnswer} result
 */
function showAnswer(element, result) {
  const tone = result.status >= 500 ? 'down' : result.status >= 400 ? 'degraded' : 'healthy';
  mount(
    element,
    h(
      'div',
      { class: 'answer-head' },
      h('span', { class: `pill ${tone}`, 'data-status': result.status }, String(result.status)),
      h('span', { class: 'timing' }, millis(result.durationMs)),
      h(
        'a',
        {
          href: '#traces',
          class: 'trace-link',
          'data-trace': result.traceId,
          onclick: (/** @type {MouseEvent} */ event) => {
            event.preventDefault();
            followTrace(result.traceId);
          },
        },
        `trace ${result.traceId.slice(0, 12)}…`,
      ),
    ),
    h(
      'details',
      { class: 'answer-headers' },
      h('summary', {}, `headers (${Object.keys(result.headers).length})`),
      h(
        'table',
        { class: 'attributes' },
        Object.entries(result.headers).map(([name, value]) =>
          h('tr', {}, h('th', {}, name), h('td', {}, value)),
        ),
      ),
    ),
    h('pre', { class: 'answer-body' }, pretty(result.body)),
    result.truncated ? h('p', { class: 'muted' }, 'the answer was cut at 1 MiB') : null,
  );
}

/** @param {string} body */
function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/**
 * Opens the Traces tab on one trace, waiting for it to arrive and re-drawing it while its spans
 * still come in. It is looked for among the newest traces rather than by id, which would answer 404
 * (an error in the console) until its first span is in.
 * @param {string} traceId
 */
async function followTrace(traceId) {
  followed = traceId;
  showTraces();
  const view = find('#trace-view', HTMLElement);
  view.hidden = false;
  mount(view, h('p', { class: 'muted waiting' }, `Waiting for trace ${traceId} to arrive…`));
  const started = Date.now();
  let spans = 0;
  let grewAt = started;
  while (followed === traceId && Date.now() - started < TRACE_GIVE_UP_MS) {
    try {
      const newest = toSummaries(await api(`${tracesApiPath()}?limit=${NEWEST}`));
      const count = newest.find((trace) => trace.traceId === traceId)?.spanCount ?? 0;
      if (count !== spans) {
        // The list above the waterfall was searched before this trace was in.
        if (spans === 0) searchTraces();
        spans = count;
        grewAt = Date.now();
        await openTrace(traceId);
      } else if (spans > 0 && Date.now() - grewAt > TRACE_SETTLED_MS) return;
    } catch (error) {
      mount(view, h('p', { class: 'error' }, `Trace ${traceId}: ${messageOf(error)}`));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (spans === 0 && followed === traceId) {
    mount(
      view,
      h('p', { class: 'error' }, `Trace ${traceId} has not arrived: is tracing on in the gateway?`),
    );
  }
}
