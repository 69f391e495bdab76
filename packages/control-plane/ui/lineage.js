// @ts-check
import { api, messageOf } from './api.js';
import { find, h, mount } from './dom.js';
import { clock, tag } from './format.js';
import { openLogsOfTrace } from './logs.js';
import { redriveDeadLetter } from './redrive-dead-letter.js';
import { showTraces } from './traces.js';

/** @typedef {import('../src/dashboard/merge-lineage.js').EventLineageView} EventLineageView */
/** @typedef {import('@flotilla/kit/events').EventLineage} EventLineage */
/** @typedef {{ id: string } | { type: string }} LineageQuery */

export function initLineage() {
  find('#lineage-search', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const value = find('#lineage-search input[name=event]', HTMLInputElement).value.trim();
    if (value) load(looksLikeId(value) ? { id: value } : { type: value });
  });
}

/**
 * Opens the events tab on one event's lineage (from a dead letter) or a type's.
 * @param {LineageQuery} query
 */
export function openLineage(query) {
  find('#lineage-search input[name=event]', HTMLInputElement).value = 'id' in query ? query.id : query.type;
  find('[data-tab="events"]', HTMLElement).click();
  load(query);
}

/** Event types are dotted lower-case words; anything else is taken for an id. */
/** @param {string} value */
function looksLikeId(value) {
  return !/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/.test(value);
}

/** @param {LineageQuery} query */
async function load(query) {
  const view = find('#lineage', HTMLElement);
  mount(view, h('p', { class: 'muted' }, 'loading…'));
  try {
    /** @type {EventLineageView} */
    const lineage = await api(`/api/events/lineage?${new URLSearchParams(query)}`);
    render(view, lineage);
  } catch (error) {
    mount(view, h('p', { class: 'error' }, `Lineage unavailable: ${messageOf(error)}`));
  }
}

/**
 * @param {HTMLElement} view
 * @param {EventLineageView} lineage
 */
function render(view, lineage) {
  const found = /** @type {EventLineage[]} */ (
    lineage.services.flatMap((entry) => ('lineage' in entry ? [entry.lineage] : []))
  );
  const failed = lineage.services.flatMap((entry) => ('error' in entry ? [entry] : []));
  const byId = 'id' in lineage.query;
  const outbox = found.flatMap((part) => part.outbox.map((entry) => ({ service: part.service, entry })));
  const deliveries = found.flatMap((part) =>
    part.deliveries.map((entry) => ({ service: part.service, entry })),
  );
  const inbox = found.flatMap((part) => part.inbox.map((entry) => ({ service: part.service, entry })));
  const deadLetters = found.flatMap((part) =>
    part.deadLetters.map((entry) => ({ service: part.service, entry })),
  );
  const transports = [...new Set(found.map((part) => part.transport))];
  const reload = () => load(lineage.query);
  const { traceId } = lineage;

  mount(
    view,
    h(
      'header',
      { class: 'trace-head' },
      h(
        'h2',
        {},
        byId ? 'Event ' : 'Events of type ',
        h('code', {}, 'id' in lineage.query ? lineage.query.id : lineage.query.type),
      ),
      lineage.type && byId ? h('span', {}, h('code', {}, lineage.type)) : null,
      lineage.source ? h('span', { class: 'muted' }, `from ${lineage.source}`) : null,
      traceId
        ? h(
            'span',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                'data-lineage-trace': traceId,
                onclick: () => showTraces(traceId),
              },
              'trace',
            ),
            ' · ',
            h('button', { type: 'button', class: 'link', onclick: () => openLogsOfTrace(traceId) }, 'logs'),
          )
        : null,
    ),
    h(
      'dl',
      { class: 'lineage-who' },
      h('dt', {}, 'Published by'),
      h(
        'dd',
        { 'data-publishers': '' },
        lineage.publishers.length
          ? lineage.publishers.map(tag)
          : h('span', { class: 'muted' }, 'no outbox holds it'),
      ),
      h('dt', {}, 'Consumed by'),
      h(
        'dd',
        { 'data-consumers': '' },
        lineage.consumers.length
          ? lineage.consumers.map((consumer) =>
              h('span', {}, tag(consumer.service), ' ', h('code', {}, consumer.subscription), ' '),
            )
          : h('span', { class: 'muted' }, lineage.type ? 'no subscription matches' : 'type unknown'),
      ),
      h('dt', {}, 'Transport'),
      h('dd', {}, transports.join(', ') || '–'),
    ),
    section(
      'Outbox',
      outbox,
      ['service', 'event', 'status', 'attempts', 'error', 'written'],
      ({ service, entry }) => [
        tag(service),
        byId
          ? h('code', {}, entry.type)
          : h('button', { type: 'button', class: 'link', onclick: () => load({ id: entry.id }) }, entry.id),
        h(
          'span',
          {
            class: `pill ${entry.status === 'sent' ? 'healthy' : entry.status === 'parked' ? 'down' : 'degraded'}`,
          },
          entry.status,
        ),
        entry.attempts,
        h('span', { class: 'error' }, entry.error ?? ''),
        time(entry.createdAt),
      ],
      byId
        ? 'not in any outbox (cleaned up, or published by a service that is not registered)'
        : 'no recent event of this type',
    ),
    byId
      ? section(
          'Deliveries',
          deliveries,
          ['publisher', 'subscriber', 'delivered'],
          ({ service, entry }) => [tag(service), tag(entry.subscriber), time(entry.deliveredAt)],
          transports.includes('embedded')
            ? 'no subscriber acknowledged it yet'
            : 'the broker keeps deliveries: the outbox status says whether it took the event',
        )
      : null,
    byId
      ? section(
          'Processed (inbox)',
          inbox,
          ['service', 'subscription', 'processed'],
          ({ service, entry }) => [tag(service), h('code', {}, entry.subscription), time(entry.processedAt)],
          'no subscription processed it yet',
        )
      : null,
    section(
      'Dead letters',
      deadLetters,
      ['service', 'subscription', 'error', 'attempts', 'parked', ''],
      ({ service, entry }) => [
        tag(service),
        h('code', {}, entry.subscription),
        h('span', { class: 'error' }, entry.error),
        entry.attempts,
        time(entry.createdAt),
        entry.redrivenAt
          ? h('span', { class: 'muted' }, 'redriven ', time(entry.redrivenAt))
          : h(
              'button',
              {
                type: 'button',
                'data-lineage-redrive': entry.id,
                onclick: (/** @type {MouseEvent & { currentTarget: HTMLButtonElement }} */ event) =>
                  redriveDeadLetter(event.currentTarget, service, entry.id, reload),
              },
              'Redrive',
            ),
      ],
      'none',
      ({ entry }) => ({ 'data-dead-letter': entry.id, 'data-redriven': String(entry.redrivenAt !== null) }),
    ),
    failed.length
      ? h(
          'p',
          { class: 'error' },
          'Not answered: ',
          failed.map((entry) => `${entry.service} (${entry.error})`).join(', '),
        )
      : null,
  );
}

/**
 * A titled table, or a line saying why it is empty.
 * @template T
 * @param {string} title
 * @param {T[]} items
 * @param {string[]} columns
 * @param {(item: T) => import('./dom.js').Child[]} cells
 * @param {string} empty
 * @param {(item: T) => Record<string, string>} [attributes]
 */
function section(title, items, columns, cells, empty, attributes) {
  return h(
    'section',
    { class: 'lineage-part', 'data-part': title },
    h('h3', {}, title),
    items.length === 0
      ? h('p', { class: 'muted' }, empty)
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              columns.map((column) => h('th', {}, column)),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((item) =>
              h(
                'tr',
                attributes?.(item) ?? {},
                cells(item).map((cell) => h('td', {}, cell)),
              ),
            ),
          ),
        ),
  );
}

/** @param {string} iso */
function time(iso) {
  return h('span', { title: iso }, clock(Date.parse(iso)));
}
