// The convener's sign-in screen: when the code changes (data-refresh seconds from now), fetch the page again and
// swap in the new code and count, with no reload flicker on the projector. A page that no longer carries the
// screen (the session ended: the login page) is loaded in full, so the convener sees why.
(function () {
  "use strict";
  const screen = document.querySelector("[data-refresh]");
  if (!screen) return;
  const schedule = (seconds) => setTimeout(renew, Math.max(1, Number(seconds) || 30) * 1000);
  function renew() {
    fetch(window.location.href, {credentials: "same-origin", cache: "no-store"})
      .then((response) => response.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
        if (!fresh) {
          window.location.reload();
          return;
        }
        screen.replaceChildren(...fresh.childNodes);
        screen.dataset.refresh = fresh.dataset.refresh;
        schedule(fresh.dataset.refresh);
      })
      .catch(() => schedule(5));  // the network dropped: try again soon
  }
  schedule(screen.dataset.refresh);
})();
