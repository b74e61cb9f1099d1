/* The service worker of the web chat page: it keeps the page's shell so that the page opens
 * without a connection (and the offline composer works). Network first, the cache as a
 * fallback, so that an update reaches riders at once. It never touches /api/ or /l/: those go
 * to the server untouched (the page keeps offline drafts in localStorage, not here). */
'use strict';

var CACHE = 'nx-shell-v1';
var SHELL = [
  '/',
  '/static/app.js',
  '/static/app.css',
  '/static/icon.svg',
  '/static/manifest.webmanifest'
];

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        // One by one: a file that fails does not keep the others out of the cache.
        return Promise.all(
          SHELL.map(function (url) {
            return cache.add(new Request(url, { cache: 'reload' })).catch(function () {});
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf('nx-shell-') === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function shellPath(request) {
  if (request.method !== 'GET') return null;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (url.pathname.indexOf('/api/') === 0 || url.pathname.indexOf('/l/') === 0) return null;
  // `/?st=<station>` from a poster is the same page as `/`.
  return SHELL.indexOf(url.pathname) >= 0 ? url.pathname : null;
}

self.addEventListener('fetch', function (event) {
  var path = shellPath(event.request);
  if (!path) return;
  event.respondWith(
    fetch(event.request)
      .then(function (response) {
        if (response && response.ok && response.type === 'basic') {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) {
            return cache.put(path, copy);
          });
        }
        return response;
      })
      .catch(function () {
        return caches.match(path).then(function (cached) {
          return cached || Response.error();
        });
      })
  );
});
