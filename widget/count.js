/* Palaver comment counts: fills every [data-palaver-count="PAGE_URL"] on the page from one
   request. Optional data-palaver-one / data-palaver-many templates: "{n} comments". */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const api = new URL(script.src).origin + "/api/v1/counts?";

  function fill() {
    const elements = [...document.querySelectorAll("[data-palaver-count]")];
    const urls = [...new Set(elements.map((el) => el.dataset.palaverCount))];
    for (let i = 0; i < urls.length; i += 100) {
      const batch = urls.slice(i, i + 100);
      fetch(api + batch.map((url) => "url=" + encodeURIComponent(url)).join("&"))
        .then((response) => (response.ok ? response.json() : {}))
        .then((counts) => {
          for (const el of elements) {
            const n = counts[el.dataset.palaverCount];
            if (n == null) continue;
            const template = n === 1 ? el.dataset.palaverOne : el.dataset.palaverMany;
            el.textContent = template ? template.replace("{n}", n) : n;
          }
        })
        .catch(() => {});
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
})();
