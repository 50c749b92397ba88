// What axe-core does not check and older members need (GB/T 37668; WCAG 2.1 2.5.5): run in the page by
// tests/e2e/test_accessibility.py. Returns a list of problems, each a short sentence naming the element.
() => {
  const problems = [];
  const MIN = 44;  // px: the tap target older members can hit (WCAG 2.5.5, Apple and Android guidelines)
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30);
    const cls = (el.className && typeof el.className === "string") ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return `<${el.tagName.toLowerCase()}${cls}> "${text}"`;
  };
  // Inline links inside running text are exempt (WCAG 2.5.5 "inline"); controls are not.
  const controls = document.querySelectorAll(
    "button, .btn, input[type=submit], input[type=checkbox], input[type=radio], select, .form-control, "
    + ".nav-link, .dropdown-item, .page-link, .portal-inbox, .navbar-brand, .list-group-item-action, "
    + ".navbar-toggler, [data-tap-target]");
  for (const el of controls) {
    if (!visible(el) || el.closest("[hidden], .d-none, .visually-hidden")) continue;
    let r = el.getBoundingClientRect();
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      // The box and its label together are the target: a tap on either toggles it.
      const label = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      const wrap = el.closest(".form-check, label");
      const area = wrap || label;
      if (area) r = area.getBoundingClientRect();
    }
    if (Math.round(r.height) < MIN || Math.round(r.width) < MIN) {
      problems.push(`tap target ${Math.round(r.width)}×${Math.round(r.height)} px: ${name(el)}`);
    }
  }
  // A button's label on one line: a wrapped button reads as two buttons.
  for (const el of document.querySelectorAll(".btn, button")) {
    if (!visible(el) || !el.innerText.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    // Pieces of the label (text, an icon, a badge) sit on one line when their tops are within half a line.
    const half = parseFloat(getComputedStyle(el).fontSize) * 0.6;
    const tops = [...range.getClientRects()].filter((q) => q.width > 1).map((q) => q.top).sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > half).length;
    if (lines > 1) problems.push(`button label wraps onto ${lines} lines: ${name(el)}`);
  }
  // A state badge is a label, not a block: stretched by a flex or table row it reads as a bar.
  for (const el of document.querySelectorAll(".badge")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (r.height > size * 2.4) problems.push(`badge stretched to ${Math.round(r.height)} px high: ${name(el)}`);
  }
  // An empty field between two separators ("采用 · · 2026-05-20"): a blank value the template joined anyway.
  const gap = (document.body.innerText || "").match(/[^\n]{0,20}·\s*·[^\n]{0,20}/);
  if (gap) problems.push(`an empty field between two separators: "${gap[0].trim()}"`);
  // Nothing sticks out sideways (tables scroll inside .table-responsive).
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth} px wide in a ${width}-px window`);
  }
  return problems;
}
