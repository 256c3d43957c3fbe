// Building the page from data without ever parsing data as HTML: every text that comes from
// the server (region names, datasources, rejected rows, error messages) goes in as a text
// node, so a hostile value is shown, never run.

// el("td", {className: "num"}, "12") -> <td class="num">12</td>. Children are nodes or
// strings (text nodes); attributes are properties, except "data-*" and "aria-*".
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name.startsWith("data-") || name.startsWith("aria-")) node.setAttribute(name, String(value));
    else node[name] = value;
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

export function setText(node, text) {
  node.textContent = text === undefined || text === null ? "" : String(text);
}

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export function formatInteger(n) {
  return n === null || n === undefined ? "–" : integerFormat.format(n);
}

export function formatDecimal(n) {
  return n === null || n === undefined ? "–" : decimalFormat.format(n);
}

// "1 h 02 min", "42 s": a duration in seconds for people.
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}
