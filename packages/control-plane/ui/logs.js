// @ts-check
import { api, messageOf } from './api.js';
import { find, h, mount } from './dom.js';
import { tag } from './format.js';
import { setServiceChoices } from './service-choices.js';

/** @typedef {import('../src/logs/log-record.js').LogView} LogView */
/** @typedef {{ lastSeq: number, services: string[], logs: LogView[] }} LogPage */

/** Lines kept on the page; older ones scroll away as new ones arrive. */
const MAX_ROWS = 1000;
const POLL_MS = 1500;

let lastSeq = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
let watching = false;

export function initLogs() {
  const form = find('#log-search', HTMLFormElement);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    reload();
  });
  form.addEventListener('change', () => reload());
}

/** The logs tab became visible: load and follow new lines while it stays so. */
export function showLogs() {
  watching = true;
  reload();
}

export function hideLogs() {
  watching = false;
  clearTimeout(timer);
}

/**
 * Opens the logs tab on one request's lines across services.
 * @param {string} traceId
 */
export function openLogsOfTrace(traceId) {
  const form = find('#log-search', HTMLFormElement);
  form.reset();
  find('#log-search input[name=traceId]', HTMLInputElement).value = traceId;
  find('[data-tab="logs"]', HTMLElement).click();
}

/** The filter as query parameters; empty fields are left out. */
function filter() {
  const query = new URLSearchParams();
  for (const [key, value] of new FormData(find('#log-search', HTMLFormElement))) {
    const text = String(value).trim();
    if (text !== '') query.set(key, text);
  }
  return query;
}

async function reload() {
  lastSeq = 0;
  mount(find('#log-list', HTMLElement), h('p', { class: 'muted' }, 'loading…'));
  await poll(true);
}

/** @param {boolean} [fresh] the list is replaced rather than appended to */
async function poll(fresh = false) {
  clearTimeout(timer);
  const list = find('#log-list', HTMLElement);
  const query = filter();
  if (!fresh) query.set('after', String(lastSeq));
  try {
    /** @type {LogPage} */
    const page = await api(`/api/logs?${query}`);
    // A control plane restarted with an older snapshot numbers lines from lower: start over.
    if (!fresh && page.lastSeq < lastSeq) return reload();
    lastSeq = page.lastSeq;
    setServiceChoices(find('#log-search select[name=service]', HTMLSelectElement), page.services);
    render(list, page.logs, fresh);
  } catch (error) {
    mount(list, h('p', { class: 'error' }, `Logs unavailable: ${messageOf(error)}`));
  } finally {
    if (watching && !document.hidden) timer = setTimeout(() => poll(), POLL_MS);
  }
}

/**
 * @param {HTMLElement} list
 * @param {LogView[]} lines
 * @param {boolean} fresh
 */
function render(list, lines, fresh) {
  let body = list.querySelector('tbody');
  if (fresh || !body) {
    if (lines.length === 0) {
      mount(list, h('p', { class: 'muted empty' }, 'No log lines match. Services ship theirs to /v1/logs.'));
      return;
    }
    body = h('tbody', {});
    mount(
      list,
      h(
        'table',
        { class: 'logs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['time', 'service', 'level', 'message', 'trace'].map((title) => h('th', {}, title)),
          ),
        ),
        body,
      ),
    );
  }
  const follow = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  body.append(...lines.map(row));
  while (body.rows.length > MAX_ROWS) body.rows[0]?.remove();
  if (follow) list.scrollTop = list.scrollHeight;
}

/** @param {LogView} line */
function row(line) {
  const fields = Object.entries(line.attributes)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  return h(
    'tr',
    {
      'data-log': line.seq,
      'data-service': line.service,
      'data-level': line.level,
      class: `level-${line.level}`,
    },
    h('td', { class: 'muted', title: line.time }, line.time.slice(11, 23)),
    h('td', {}, tag(line.service)),
    h('td', { class: 'level' }, line.level),
    h(
      'td',
      { class: 'message' },
      line.message,
      fields ? h('span', { class: 'muted fields' }, ` ${fields}`) : null,
    ),
    h(
      'td',
      {},
      line.traceId
        ? h(
            'button',
            {
              type: 'button',
              class: 'link',
              title: `only the lines of trace ${line.traceId}`,
              onclick: () => openLogsOfTrace(/** @type {string} */ (line.traceId)),
            },
            line.traceId.slice(0, 8),
          )
        : null,
    ),
  );
}
