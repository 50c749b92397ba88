// Overlapping content (tests/e2e/test_larger_text.py): the boxes of text lines and of controls that cover each
// other, where neither contains the other (a label and its box, a button and its text may). Returns sentences.
() => {
  const shown = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.opacity === "0") return false;
      // A closed <details> still lays out what it hides (Chromium reports boxes for it): only its summary shows.
      const up = e.parentElement;
      if (up && up.tagName === "DETAILS" && !up.open && e.tagName !== "SUMMARY") return false;
    }
    return true;
  };
  const items = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const owner = node.parentElement;
    if (!node.textContent.trim() || !owner || owner.closest("script, style, noscript, .visually-hidden, option")) continue;
    if (!shown(owner)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) if (r.width > 1 && r.height > 1) items.push({owner, r, what: node.textContent.trim().slice(0, 20)});
  }
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea, img, svg, .btn, .badge")) {
    if (!shown(el) || el.closest(".visually-hidden")) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 1 && r.height > 1) items.push({owner: el, r, what: `<${el.tagName.toLowerCase()}> ${(el.innerText || el.name || "").trim().slice(0, 20)}`});
  }
  const problems = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (a.owner === b.owner || a.owner.contains(b.owner) || b.owner.contains(a.owner)) continue;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > 2 && h > 2) problems.push(`"${a.what}" overlaps "${b.what}" (${Math.round(w)}×${Math.round(h)} px)`);
    }
  }
  return problems.slice(0, 20);
}
