/**
 * A few lines of DOM building, so the page needs no framework: `h('button', { class: 'x',
 * onclick }, 'text')`. Text children become text nodes (never HTML), so card data and
 * device strings cannot inject markup.
 */

/** A child of {@link h}: a node, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

/** Attributes of {@link h}: `on*` functions become listeners, `true` a bare attribute, `false`/undefined nothing. */
export type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children (text as text nodes). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** The element with `id`, typed; a missing element is a bug in index.html. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
}
