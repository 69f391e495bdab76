// @ts-check
import { h, mount } from './dom.js';

/**
 * Keeps a service filter's choices (`any`, then `names`) in step with what is known. The current
 * choice stays even when its service is gone, so the filter never changes under the user.
 * @param {HTMLSelectElement} select
 * @param {string[]} names
 */
export function setServiceChoices(select, names) {
  const current = select.value;
  const wanted = ['', ...new Set([...names, ...(current ? [current] : [])])];
  if ([...select.options].map((option) => option.value).join() === wanted.join()) return;
  mount(
    select,
    wanted.map((name) => h('option', { value: name }, name || 'any')),
  );
  select.value = current;
}
