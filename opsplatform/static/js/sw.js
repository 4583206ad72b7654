// The service worker: the pages a focal point reports from open without a connection once visited, and the app's own
// files are kept. Records saved offline wait in the page's outbox (record-form.js), not here.
const CACHE = "opsplatform-pages-v1";
// Pages kept for offline use: an operation's page, its seizure form and its daily returns (none holds nominal data).
const KEPT = /^\/operations\/[^/]+(\/seizures\/new|\/completeness)?$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // Named by their content (or version): what is kept is always right.
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      const kept = await cache.match(request);
      if (kept) return kept;
      const answer = await fetch(request);
      if (answer.ok) cache.put(request, answer.clone());
      return answer;
    }));
  } else if (request.mode === "navigate" && KEPT.test(url.pathname)) {
    // The network first (the page as it is now), the kept copy when there is no connection.
    event.respondWith((async () => {
      try {
        const answer = await fetch(request);
        if (answer.ok && !answer.redirected) await (await caches.open(CACHE)).put(request, answer.clone());
        return answer;
      } catch (error) {
        return (await caches.match(request)) || Response.error();
      }
    })());
  }
});
