// @ts-check
import { api, messageOf } from './api.js';
import { h, mount } from './dom.js';
import { openLineage } from './lineage.js';
import { redriveDeadLetter } from './redrive-dead-letter.js';

/** @typedef {import('../src/dashboard/read-dead-letters.js').DeadLetterView} DeadLetterView */

/**
 * Opens (loading the list) or closes the dead-letter panel of a service card.
 * @param {HTMLElement} panel
 * @param {string} service
 */
export async function toggleDeadLetters(panel, service) {
  if (panel.dataset.open === 'true') {
    panel.dataset.open = 'false';
    mount(panel);
    return;
  }
  panel.dataset.open = 'true';
  await load(panel, service);
}

/**
 * @param {HTMLElement} panel
 * @param {string} service
 */
async function load(panel, service) {
  mount(panel, h('p', { class: 'muted' }, 'loading…'));
  try {
    /** @type {{ deadLetters: DeadLetterView[] }} */
    const { deadLetters } = await api(`/api/services/${encodeURIComponent(service)}/dead-letters`);
    if (deadLetters.length === 0) return mount(panel, h('p', { class: 'muted' }, 'no dead letters'));
    mount(
      panel,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'event'), h('th', {}, 'error'), h('th', {}, 'attempts'), h('th', {})),
        ),
        h(
          'tbody',
          {},
          deadLetters.map((letter) =>
            h(
              'tr',
              { 'data-dead-letter': letter.id },
              h(
                'td',
                { title: letter.id },
                letter.eventId
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'link',
                        title: 'open its lineage',
                        'data-lineage': String(letter.eventId),
                        onclick: () => openLineage({ id: String(letter.eventId) }),
                      },
                      h('code', {}, String(letter.type ?? letter.eventType ?? letter.eventId)),
                    )
                  : h('code', {}, String(letter.type ?? letter.eventType ?? letter.id)),
              ),
              h(
                'td',
                { class: 'error', title: String(letter.error ?? letter.lastError ?? '') },
                String(letter.error ?? letter.lastError ?? ''),
              ),
              h('td', {}, String(letter.attempts ?? '')),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    onclick: (/** @type {MouseEvent & { currentTarget: HTMLButtonElement }} */ event) =>
                      redriveDeadLetter(event.currentTarget, service, letter.id, () => load(panel, service)),
                  },
                  'Redrive',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    mount(panel, h('p', { class: 'error' }, messageOf(error)));
  }
}
