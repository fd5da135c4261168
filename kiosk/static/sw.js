/* Hài Lòng kiosk service worker: the page works offline once loaded (cache first, refreshed in the
   background). The API is never cached: ratings wait in IndexedDB, not here. */
const CACHE = "hailong-kiosk-v3";
const SHELL = ["/kiosk/", "/kiosk/static/kiosk.js", "/kiosk/static/kiosk.css", "/kiosk/manifest.webmanifest"];

// Where the browser has static routing (Chromium 123+), the API goes straight to the network without waking this
// worker: a rating batch never waits for the worker to start, and nothing here can hold it up. Elsewhere the fetch
// handler below lets API requests pass untouched, to the same effect.
function apiBypass(event) {
  if (!event.addRoutes || typeof URLPattern === "undefined") return Promise.resolve();
  try {
    return Promise.resolve(event.addRoutes({
      condition: { urlPattern: new URLPattern({ pathname: "/kiosk/api/*" }) }, source: "network",
    })).catch(() => {});
  } catch (e) {
    return Promise.resolve();
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([apiBypass(event), caches.open(CACHE).then((cache) => cache.addAll(SHELL))]).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/kiosk/api/")) {
    return;
  }
  if (!SHELL.includes(url.pathname) && !url.pathname.startsWith("/kiosk/static/")) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      const network = fetch(event.request)
        .then((response) => {
          if (response.ok) cache.put(event.request, response.clone());
          return response;
        })
        .catch(() => cached);
      return cached || network;
    })
  );
});
