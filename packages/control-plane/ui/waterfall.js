// @ts-check
import { h, mount } from './dom.js';
import { millis, serviceColour } from './format.js';
import { openLogsOfTrace } from './logs.js';

const MESSAGING = new Set(['producer', 'consumer']);

/** @typedef {import('./trace-shapes.js').Span} Span */

/**
 * Depth-first order by parent, siblings by start; a span whose parent is missing is a root.
 * @param {Span[]} spans
 */
function ordered(spans) {
  const ids = new Set(spans.map((span) => span.id));
  /** @type {Map<string | null, Span[]>} */
  const children = new Map();
  for (const span of spans) {
    const parent = span.parentId && ids.has(span.parentId) ? span.parentId : null;
    const siblings = children.get(parent) ?? [];
    siblings.push(span);
    children.set(parent, siblings);
  }
  /** @type {{ span: Span, depth: number }[]} */
  const rows = [];
  /** @type {(parent: string | null, depth: number) => void} */
  const visit = (parent, depth) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.start - b.start)) {
      rows.push({ span, depth });
      visit(span.id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/**
 * Spans as bars on one time axis, indented by parent, coloured by service; events are ticks.
 * @param {HTMLElement} container
 * @param {{ spans: Span[] }} trace
 * @param {string} traceId
 */
export function renderWaterfall(container, trace, traceId) {
  const rows = ordered(trace.spans);
  if (rows.length === 0)
    return mount(container, h('p', { class: 'muted' }, `Trace ${traceId} has no spans.`));
  const start = Math.min(...trace.spans.map((span) => span.start));
  const end = Math.max(...trace.spans.map((span) => span.start + span.duration));
  const total = Math.max(end - start, 0.001);
  const at = (/** @type {number} */ time) => `${((time - start) / total) * 100}%`;
  const services = [...new Set(rows.map((row) => row.span.service))];
  const detail = h(
    'div',
    { class: 'span-detail muted', 'data-trace': traceId },
    'Select a span to see its attributes and events.',
  );

  mount(
    container,
    h(
      'header',
      { class: 'trace-head' },
      h('h2', {}, 'Trace ', h('code', {}, traceId)),
      h('span', { class: 'muted' }, `${rows.length} spans · ${millis(total)}`),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'data-trace-logs': traceId,
          onclick: () => openLogsOfTrace(traceId),
        },
        'logs of this request',
      ),
      h(
        'span',
        { class: 'legend' },
        services.map((name) => legend(name)),
      ),
    ),
    h(
      'div',
      { id: 'waterfall', class: 'waterfall' },
      h(
        'div',
        { class: 'axis' },
        h('div', { class: 'label-cell' }),
        h(
          'div',
          { class: 'bar-cell' },
          [0, 0.25, 0.5, 0.75, 1].map((fraction) => tick(fraction, total)),
        ),
      ),
      rows.map(({ span, depth }) => spanRow(span, depth, at, total, detail)),
    ),
    detail,
  );
}

/** @param {string} name */
function legend(name) {
  const chip = h('span', { class: 'chip' });
  chip.style.background = serviceColour(name);
  return h('span', { class: 'legend-item' }, chip, name);
}

/**
 * @param {number} fraction
 * @param {number} total
 */
function tick(fraction, total) {
  const element = h('span', { class: 'tick' }, millis(total * fraction));
  element.style.left = `${fraction * 100}%`;
  return element;
}

/**
 * @param {Span} span
 * @param {number} depth
 * @param {(time: number) => string} at
 * @param {number} total
 * @param {HTMLElement} detail
 */
function spanRow(span, depth, at, total, detail) {
  const service = h('span', { class: 'service' }, span.service);
  service.style.color = serviceColour(span.service);
  const label = h(
    'div',
    { class: 'label-cell', title: `${span.service} · ${span.name}` },
    MESSAGING.has(span.kind)
      ? h('span', { class: 'kind', title: span.kind }, span.kind === 'producer' ? '✉→' : '→✉')
      : null,
    service,
    h('span', { class: 'span-name' }, span.name),
  );
  label.style.paddingLeft = `${8 + depth * 16}px`;

  const bar = h('div', { class: `span-bar ${span.error ? 'error' : ''} ${span.kind}` });
  bar.style.left = at(span.start);
  bar.style.width = `${Math.max((span.duration / total) * 100, 0.4)}%`;
  bar.style.background = serviceColour(span.service);
  const duration = h('span', { class: 'duration' }, millis(span.duration));
  duration.style.left = `calc(${at(span.start + span.duration)} + 6px)`;
  const marks = span.events.flatMap((event) => {
    if (event.time === undefined) return [];
    const mark = h('span', { class: 'event-mark', title: event.name });
    mark.style.left = at(event.time);
    return [mark];
  });

  return h(
    'div',
    {
      class: `span-row ${span.error ? 'error' : ''}`,
      'data-span': span.id,
      'data-service': span.service,
      'data-kind': span.kind,
      tabindex: 0,
      onclick: (/** @type {MouseEvent & { currentTarget: HTMLElement }} */ event) => {
        for (const selected of event.currentTarget.parentElement?.querySelectorAll('.selected') ?? [])
          selected.classList.remove('selected');
        event.currentTarget.classList.add('selected');
        showDetail(detail, span);
      },
    },
    label,
    h('div', { class: 'bar-cell' }, bar, marks, duration),
  );
}

/**
 * @param {HTMLElement} detail
 * @param {Span} span
 */
function showDetail(detail, span) {
  detail.classList.remove('muted');
  const entries = Object.entries(span.attributes);
  mount(
    detail,
    h('h3', {}, `${span.service} · ${span.name}`),
    h(
      'p',
      { class: 'muted' },
      `${span.kind} · ${millis(span.duration)} · span ${span.id}${span.error ? ' · error' : ''} · `,
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'data-span-logs': span.id,
          onclick: () => openLogsOfTrace(String(detail.dataset.trace)),
        },
        "this request's logs",
      ),
    ),
    entries.length > 0
      ? h(
          'table',
          { class: 'attributes' },
          entries.map(([key, value]) =>
            h(
              'tr',
              {},
              h('th', {}, key),
              h('td', {}, typeof value === 'object' ? JSON.stringify(value) : String(value)),
            ),
          ),
        )
      : null,
    span.events.length > 0
      ? h(
          'ul',
          { class: 'span-events' },
          span.events.map((event) =>
            h('li', {}, h('b', {}, event.name), ' ', JSON.stringify(event.attributes)),
          ),
        )
      : null,
  );
}
