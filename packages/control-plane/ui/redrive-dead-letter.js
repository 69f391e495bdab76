// @ts-check
import { api, messageOf } from './api.js';
import { h } from './dom.js';

/**
 * Redrives one dead letter of `service` from its button, then `reload`s the view showing it; a
 * refusal is shown beside the button, which can be pressed again.
 * @param {HTMLButtonElement} button
 * @param {string} service
 * @param {string} id
 * @param {() => Promise<void>} reload
 */
export async function redriveDeadLetter(button, service, id, reload) {
  button.disabled = true;
  button.textContent = 'redriving…';
  try {
    await api(`/api/services/${encodeURIComponent(service)}/dead-letters/${encodeURIComponent(id)}/redrive`, {
      method: 'POST',
    });
    await reload();
  } catch (error) {
    button.disabled = false;
    button.textContent = 'Redrive';
    button.after(h('span', { class: 'error' }, ` ${messageOf(error)}`));
  }
}
