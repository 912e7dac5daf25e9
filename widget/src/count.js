/* Palaver comment counts: fills every [data-palaver-count="PAGE_URL"] on the page.
   Optional data-palaver-one / data-palaver-many templates: "{n} comments". A short list
   goes in one cacheable GET; a long one (real URLs pass a server's 4 KB request line at
   about 50) in POSTs of up to 500 URLs / 100 kB each. See docs/widget.md. */

const script = document.currentScript;
const api = script && new URL(script.src).origin + "/api/v1/counts";

function show(elements, counts) {
  for (const el of elements) {
    const n = counts[el.dataset.palaverCount];
    if (n == null) continue;
    const template = n === 1 ? el.dataset.palaverOne : el.dataset.palaverMany;
    el.textContent = template ? template.replace("{n}", n) : n;
  }
}

function ask(urls) {
  const query = urls.map((url) => "url=" + encodeURIComponent(url)).join("&");
  if (query.length < 1500 && urls.length <= 100) return fetch(api + "?" + query);
  return fetch(api, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ urls }),
  });
}

function count(elements, urls) {
  ask(urls)
    .then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then((counts) => show(elements, counts))
    .catch((error) => console.warn("Palaver: comment counts could not be loaded:", error));
}

function fill() {
  const elements = [...document.querySelectorAll("[data-palaver-count]")];
  const urls = [...new Set(elements.map((el) => el.dataset.palaverCount))];
  let batch = [];
  let size = 0;
  for (const url of urls) {
    if (batch.length === 500 || size + url.length > 100000) {
      count(elements, batch);
      batch = [];
      size = 0;
    }
    batch.push(url);
    size += url.length + 3;
  }
  if (batch.length) count(elements, batch);
}

if (script) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
}
