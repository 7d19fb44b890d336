/* crumbs.js: the breadcrumb trail of a view: [label, href?] pairs. */
import { h } from './dom.js';

export function breadcrumbs(crumbs) {
  const items = [h('li', null, h('a', { href: '#/' }, 'api'))];
  crumbs.forEach(([label, href], i) => {
    const last = i === crumbs.length - 1;
    items.push(h('li', null, href && !last ? h('a', { href }, label) : h('span', { 'aria-current': last ? 'page' : null }, label)));
  });
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('ol', null, items));
}
