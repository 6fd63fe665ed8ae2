// Small DOM builders shared by the page and the widget. Text always goes in through
// `textContent` (never HTML), so a message like `<img onerror=…>` stays text.

/** `<tag>` with properties (`className`, `hidden`, `dataset`…, `attrs` for attributes) and children (nodes or text). */
export function h(tag, props = {}, ...children) {
  const { attrs = {}, dataset = {}, ...rest } = props;
  const element = Object.assign(document.createElement(tag), rest);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  Object.assign(element.dataset, dataset);
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The help lines of a reply as a list: name, then phone, text, link and note when present. */
export function resourceList(resources) {
  return h(
    "ul",
    { className: "resources" },
    resources.map((r) =>
      h(
        "li",
        {},
        h("strong", {}, r.name),
        r.phone && [" · call ", h("a", { href: `tel:${r.phone.replace(/[^\d+]/g, "")}` }, r.phone)],
        r.text && [" · text ", r.text],
        r.url && [" · ", h("a", { href: r.url, target: "_blank", rel: "noopener noreferrer" }, r.url.replace(/^https?:\/\//, ""))],
        r.note && h("span", { className: "note" }, ` (${r.note})`),
      ),
    ),
  );
}

/** "12.3 MB of 23.8 MB (52%)". */
export function progressText(loaded, total) {
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  return total ? `${mb(loaded)} of ${mb(total)} (${Math.floor((100 * loaded) / total)}%)` : mb(loaded);
}
