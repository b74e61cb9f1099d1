/* The web chat page of nuanxin (暖新): a chat with the bot for riders who open it from WeChat.
 *
 * Plain ES2017 in one file: no modules, no build step, no libraries, so that it runs in
 * WeChat's in-app browsers (Chromium-based XWeb on Android, WKWebView on iOS). The contract
 * with the server is bot/web/API.md. Every text the page shows comes from the server
 * (`labels` of /api/session, cached in localStorage for offline starts).
 *
 * Offline: a rider without a connection writes a suggestion in the offline composer; it is
 * kept in localStorage (`nx.outbox`) and sent to /api/offline when the connection is back
 * (the server is idempotent on the draft's id, and one send loop runs at a time).
 */
(function () {
  'use strict';

  var OUTBOX_KEY = 'nx.outbox';
  var LABELS_KEY = 'nx.labels';
  var LOCATION_KEY = 'nx.loc';
  var POLL_MS = 15000;
  var OUTBOX_MS = 10000;
  var LOCATION_FRESH_MS = 10 * 60 * 1000;
  var SEEN_MS = 10000;
  var TOAST_MS = 3000;
  var VOICE_MAX_S = 60;
  var PHOTO_MAX_SIDE = 1600;
  var PHOTO_QUALITY = 0.8;
  var OFFLINE_PHOTO_BYTES = 400 * 1024;
  var ORIGINAL_MAX_BYTES = 10 * 1024 * 1024;
  var REQUEST_MS = 30000;
  var UPLOAD_MS = 120000;
  var SAFE_HREF = /^(https?:|tel:)/i;
  var SAME_ORIGIN_PATH = /^\/(?!\/)/;
  var NODE_TAGS = { b: 1, i: 1, u: 1, s: 1, code: 1, pre: 1, a: 1 };

  // Only for a page opened offline that never reached the server (no cached labels): the few
  // texts the offline composer needs. Every other text comes from the catalog via the server.
  var FALLBACK = {
    zh: {
      'web.offline_banner': '没有网络：可以先写下来，联网后自动发送',
      'web.offline_send_label': '保存，联网后自动发送',
      'web.send': '发送',
      'web.photo': '📷 照片'
    },
    en: {
      'web.offline_banner': 'No connection: write it down now, it is sent once you are online',
      'web.offline_send_label': 'Save; send once online',
      'web.send': 'Send',
      'web.photo': '📷 Photo'
    }
  };

  var S = {
    csrf: null,
    lang: 'zh',
    labels: {},
    last: 0,
    ready: false,
    loading: null,
    offline: false,
    polling: false,
    flushing: false,
    greeted: false,
    station: null,
    stationEventId: null,
    busy: {},
    photoTarget: 'chat',
    offlinePhoto: null,
    recorder: null,
    voiceFallback: false,
    toastTimer: 0,
    phoneMode: false,
    langWanted: false
  };

  var E = {};

  // --- small helpers -------------------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function L(key) {
    var text = S.labels[key];
    if (typeof text === 'string' && text) return text;
    var fallback = FALLBACK[S.lang] || FALLBACK.zh;
    return fallback[key] || '';
  }

  function newId() {
    var bytes = new Uint8Array(12);
    var cryptoObj = window.crypto || window.msCrypto;
    if (cryptoObj && cryptoObj.getRandomValues) {
      cryptoObj.getRandomValues(bytes);
    } else {
      for (var j = 0; j < bytes.length; j++) bytes[j] = Math.floor(Math.random() * 256);
    }
    var hex = '';
    for (var i = 0; i < bytes.length; i++) hex += ('0' + bytes[i].toString(16)).slice(-2);
    return hex;
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  function save(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function restore(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function visible() {
    return document.visibilityState !== 'hidden';
  }

  function browserOffline() {
    return navigator.onLine === false;
  }

  function hasOwn(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
  }

  // --- requests ------------------------------------------------------------------------------

  function fetchWithTimeout(url, init, ms) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    if (controller) init.signal = controller.signal;
    var timer = 0;
    var timeout = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        if (controller) controller.abort();
        reject(new Error('timeout'));
      }, ms);
    });
    return Promise.race([fetch(url, init), timeout]).then(
      function (res) {
        clearTimeout(timer);
        return res;
      },
      function (err) {
        clearTimeout(timer);
        throw err;
      }
    );
  }

  /* One request. Resolves to {ok, status, data, network}; never rejects. `network` is true
   * when the server could not be reached (no connection, a timeout, or a proxy's 502-504).
   * A 429 waits `retry_after` and retries (same body, so the same id); a 403 on a POST
   * fetches a fresh CSRF token once and retries. */
  async function call(method, url, body, opts) {
    opts = opts || {};
    for (var attempt = 0; ; attempt++) {
      var headers = {};
      if (method === 'POST') {
        headers['X-CSRF-Token'] = S.csrf || '';
        if (typeof body === 'string') headers['Content-Type'] = 'application/json';
      }
      var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
      if (body !== undefined && body !== null) init.body = body;
      var res;
      try {
        res = await fetchWithTimeout(url, init, opts.timeout || REQUEST_MS);
      } catch (e) {
        return { ok: false, status: 0, data: null, network: true };
      }
      var data = null;
      try {
        data = await res.json();
      } catch (e) {
        data = null;
      }
      if (res.status === 429 && attempt < 3) {
        var wait = data && typeof data.retry_after === 'number' ? data.retry_after : 3;
        wait = Math.min(Math.max(wait, 1), 60);
        showToast(L('web.retrying'));
        await sleep(wait * 1000);
        continue;
      }
      if (res.status === 403 && method === 'POST' && attempt === 0 && !opts.noRefresh) {
        if (await loadSession(false)) continue;
      }
      if (res.status === 502 || res.status === 503 || res.status === 504) {
        return { ok: false, status: res.status, data: data, network: true };
      }
      return { ok: res.ok, status: res.status, data: data, network: false };
    }
  }

  function errorText(r, fallbackKey) {
    if (r && r.data && typeof r.data.error === 'string' && r.data.error) return r.data.error;
    return L(fallbackKey || 'web.error');
  }

  // --- labels --------------------------------------------------------------------------------

  function applyLabels() {
    document.documentElement.lang = S.lang === 'en' ? 'en' : 'zh-CN';
    if (L('web.title')) document.title = L('web.title');
    var i;
    var nodes = document.querySelectorAll('[data-label]');
    for (i = 0; i < nodes.length; i++) {
      var text = L(nodes[i].getAttribute('data-label'));
      if (text) nodes[i].textContent = text;
    }
    nodes = document.querySelectorAll('[data-label-aria]');
    for (i = 0; i < nodes.length; i++) {
      var aria = L(nodes[i].getAttribute('data-label-aria'));
      if (aria) nodes[i].setAttribute('aria-label', aria);
    }
    nodes = document.querySelectorAll('[data-label-placeholder]');
    for (i = 0; i < nodes.length; i++) {
      var hint = L(nodes[i].getAttribute('data-label-placeholder'));
      if (hint) nodes[i].setAttribute('placeholder', hint);
    }
    var badges = document.querySelectorAll('.badge');
    for (i = 0; i < badges.length; i++) badges[i].textContent = L('web.new_answer');
    updateVoiceButton();
    updateComposer();
  }

  // --- rendering messages --------------------------------------------------------------------

  function renderNodes(parent, nodes) {
    if (!Array.isArray(nodes)) return;
    nodes.forEach(function (node) {
      if (typeof node === 'string') {
        parent.appendChild(document.createTextNode(node));
        return;
      }
      if (!node || typeof node !== 'object') return;
      var tag = typeof node.tag === 'string' && hasOwn(NODE_TAGS, node.tag) ? node.tag : 'span';
      var e;
      if (tag === 'a') {
        var href = typeof node.href === 'string' ? node.href.trim() : '';
        if (SAFE_HREF.test(href)) {
          e = el('a');
          e.href = href;
          e.rel = 'noopener noreferrer';
          if (!/^tel:/i.test(href)) e.target = '_blank';
        } else {
          e = el('span');
        }
      } else {
        e = el(tag);
      }
      renderNodes(e, node.children);
      parent.appendChild(e);
    });
  }

  function labelUnits(text) {
    // Rough width in "CJK characters": a Latin letter or digit is about half as wide.
    var units = 0;
    for (var i = 0; i < text.length; i++) units += text.charCodeAt(i) < 0x2e80 ? 0.55 : 1;
    return units;
  }

  function renderButtons(msg) {
    var rows = Array.isArray(msg.buttons) ? msg.buttons : [];
    var box = el('div', 'buttons');
    rows.forEach(function (row) {
      if (!Array.isArray(row) || !row.length) return;
      var line = el('div', 'btn-row');
      var units = 0;
      row.forEach(function (b) {
        units += labelUnits(String((b && b.label) || '')) + 1.5;
      });
      if (row.length > 1 && units > 16) line.className += ' stack';
      row.forEach(function (b) {
        if (!b || typeof b !== 'object') return;
        var label = String(b.label || '');
        if (typeof b.url === 'string') {
          if (!SAFE_HREF.test(b.url.trim())) return;
          var a = el('a', 'btn link', label);
          a.href = b.url.trim();
          a.rel = 'noopener noreferrer';
          if (!/^tel:/i.test(a.href)) a.target = '_blank';
          line.appendChild(a);
        } else if (typeof b.data === 'string') {
          var button = el('button', 'btn', label);
          button.type = 'button';
          button.setAttribute('data-button', b.data);
          button.addEventListener('click', function () {
            press(msg.id, b.data, button);
          });
          line.appendChild(button);
        }
      });
      if (line.childNodes.length) box.appendChild(line);
    });
    return box.childNodes.length ? box : null;
  }

  function renderMessage(msg) {
    var mine = msg.from === 'me';
    var li = el('li', 'msg ' + (mine ? 'me' : 'bot'));
    li.setAttribute('data-msg-id', String(msg.id));
    li.setAttribute('data-kind', String(msg.kind || 'text'));
    li.nxJson = JSON.stringify(msg);
    var bubble = el('div', 'bubble');
    li.appendChild(bubble);
    if (msg.highlight) {
      li.className += ' highlight';
      bubble.appendChild(el('span', 'badge', L('web.new_answer')));
    }
    var src = typeof msg.src === 'string' && SAME_ORIGIN_PATH.test(msg.src) ? msg.src : '';
    if (msg.kind === 'picture' && src) {
      var img = el('img', 'picture');
      img.src = src;
      img.alt = '';
      img.addEventListener('load', function () {
        if (nearBottom()) scrollToEnd();
      });
      bubble.appendChild(img);
    } else if (msg.kind === 'voice' && src) {
      var audio = el('audio', 'voice');
      audio.controls = true;
      audio.preload = 'none';
      audio.src = src;
      bubble.appendChild(audio);
    } else if (msg.kind === 'document' && src) {
      var doc = el('a', 'btn link', L('web.open_file'));
      doc.href = src;
      doc.target = '_blank';
      doc.rel = 'noopener';
      bubble.appendChild(doc);
    }
    if (Array.isArray(msg.nodes) && msg.nodes.length) {
      var text = el('div', 'text');
      renderNodes(text, msg.nodes);
      bubble.appendChild(text);
    }
    if (msg.kind === 'venue' && msg.venue && typeof msg.venue === 'object') {
      var v = msg.venue;
      if (v.title) bubble.appendChild(el('div', 'venue-title', v.title));
      if (v.address) bubble.appendChild(el('div', 'venue-address', v.address));
      if (typeof v.nav === 'string' && /^https?:/i.test(v.nav)) {
        var nav = el('a', 'nav', L('web.navigate'));
        nav.href = v.nav;
        nav.target = '_blank';
        nav.rel = 'noopener noreferrer';
        bubble.appendChild(nav);
      }
    }
    var buttons = renderButtons(msg);
    if (buttons) li.appendChild(buttons);
    if (msg.highlight) watchSeen(li);
    return li;
  }

  function findMessage(id) {
    return E.messages.querySelector('[data-msg-id="' + Number(id) + '"]');
  }

  function validMessage(msg) {
    return msg && typeof msg === 'object' && typeof msg.id === 'number' && isFinite(msg.id);
  }

  function replaceNode(oldNode, newNode) {
    if (oldNode.parentNode) oldNode.parentNode.replaceChild(newNode, oldNode);
  }

  /* Show a message: replace the one with its id, or take the place of `replacing` (a pending
   * bubble), or insert it in the order of ids (pending bubbles stay last). */
  function placeMessage(msg, replacing) {
    var existing = findMessage(msg.id);
    if (existing) {
      if (existing.nxJson !== JSON.stringify(msg)) replaceNode(existing, renderMessage(msg));
      if (replacing && replacing.parentNode) replacing.parentNode.removeChild(replacing);
      return false;
    }
    var node = renderMessage(msg);
    if (replacing && replacing.parentNode) {
      replaceNode(replacing, node);
      return true;
    }
    var child = E.messages.lastElementChild;
    while (child) {
      var id = child.getAttribute('data-msg-id');
      if (id !== null && Number(id) < msg.id) break;
      child = child.previousElementSibling;
    }
    if (child) {
      // After the last message with a smaller id; a pending bubble right after it stays after.
      E.messages.insertBefore(node, child.nextSibling);
    } else {
      E.messages.insertBefore(node, E.messages.firstChild);
    }
    return true;
  }

  function addPending(text) {
    var li = el('li', 'msg me pending');
    var bubble = el('div', 'bubble');
    bubble.appendChild(el('div', 'text', text));
    li.appendChild(bubble);
    li.appendChild(el('div', 'status', L('web.sending')));
    E.messages.appendChild(li);
    scrollToEnd();
    return li;
  }

  function failPending(li) {
    if (!li || !li.parentNode) return;
    li.className = 'msg me failed';
    var status = li.querySelector('.status');
    if (status) status.textContent = L('web.not_sent');
  }

  function dropPending(li) {
    if (li && li.parentNode) li.parentNode.removeChild(li);
  }

  // A highlighted message (it arrived while the rider was away) keeps its marker until it has
  // been on screen for SEEN_MS while the page is visible, or until it is tapped.
  var seenObserver = null;
  if (typeof window.IntersectionObserver === 'function') {
    seenObserver = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          var li = entry.target;
          if (entry.isIntersecting && !li.nxSeenTimer) {
            li.nxSeenTimer = setTimeout(function () {
              seenLater(li);
            }, SEEN_MS);
          } else if (!entry.isIntersecting && li.nxSeenTimer) {
            clearTimeout(li.nxSeenTimer);
            li.nxSeenTimer = 0;
          }
        });
      },
      { threshold: 0.5 }
    );
  }

  function seenLater(li) {
    li.nxSeenTimer = 0;
    if (!visible()) {
      li.nxSeenTimer = setTimeout(function () {
        seenLater(li);
      }, SEEN_MS);
      return;
    }
    unmark(li);
  }

  function watchSeen(li) {
    li.addEventListener('click', function () {
      unmark(li);
    });
    if (seenObserver) {
      seenObserver.observe(li);
    } else {
      li.nxSeenTimer = setTimeout(function () {
        seenLater(li);
      }, SEEN_MS);
    }
  }

  function unmark(li) {
    if (li.nxSeenTimer) clearTimeout(li.nxSeenTimer);
    li.nxSeenTimer = 0;
    if (seenObserver) seenObserver.unobserve(li);
    li.classList.remove('highlight');
    var badge = li.querySelector('.badge');
    if (badge && badge.parentNode) badge.parentNode.removeChild(badge);
  }

  function nearBottom() {
    var doc = document.documentElement;
    return doc.scrollHeight - (window.pageYOffset + window.innerHeight) < 200;
  }

  function scrollToEnd() {
    var go = function () {
      window.scrollTo(0, document.documentElement.scrollHeight);
    };
    if (window.requestAnimationFrame) window.requestAnimationFrame(go);
    else setTimeout(go, 0);
  }

  // --- ops -----------------------------------------------------------------------------------

  /* Apply the ops of a response. `pending` is the rider's own bubble shown while the request
   * ran: the first message "from me" takes its place. */
  function applyOps(ops, pending) {
    var added = false;
    if (Array.isArray(ops)) {
      ops.forEach(function (op) {
        if (!op || typeof op !== 'object') return;
        if (op.op === 'message' && validMessage(op.message)) {
          if (pending && pending.parentNode && op.message.from === 'me') {
            added = placeMessage(op.message, pending) || added;
            pending = null;
          } else {
            added = placeMessage(op.message) || added;
          }
        } else if (op.op === 'edit' && validMessage(op.message)) {
          var old = findMessage(op.id);
          if (old) {
            var msg = op.message;
            if (msg.id !== op.id) msg = Object.assign({}, msg, { id: op.id });
            replaceNode(old, renderMessage(msg));
          }
        } else if (op.op === 'delete') {
          var gone = findMessage(op.id);
          if (gone && gone.parentNode) gone.parentNode.removeChild(gone);
        } else if (op.op === 'toast') {
          showToast(typeof op.text === 'string' ? op.text : '', !!op.alert);
        } else if (op.op === 'keys') {
          renderKeys(op.keys);
        }
      });
    }
    if (pending && pending.parentNode) {
      // The server sent no copy of the rider's message: keep the bubble as it is.
      pending.className = 'msg me';
      var status = pending.querySelector('.status');
      if (status) status.parentNode.removeChild(status);
    }
    if (added) scrollToEnd();
  }

  function renderKeys(keys) {
    E.keys.textContent = '';
    if (!Array.isArray(keys) || !keys.length) {
      E.keys.hidden = true;
      return;
    }
    keys.forEach(function (row) {
      if (!Array.isArray(row)) return;
      var line = el('div', 'key-row');
      row.forEach(function (k) {
        if (!k || typeof k.label !== 'string') return;
        var b = el('button', 'key', k.label);
        b.type = 'button';
        b.setAttribute('data-key', k.label);
        b.setAttribute('data-request', String(k.request || 'text'));
        b.addEventListener('click', function () {
          onKey(k);
        });
        line.appendChild(b);
      });
      if (line.childNodes.length) E.keys.appendChild(line);
    });
    E.keys.hidden = !E.keys.childNodes.length;
  }

  /* A key answers the question it came with, once: like Telegram's one-time keyboards (the
   * bot never takes them away itself), the keyboard goes when a key has been used. */
  function onKey(k) {
    if (k.request === 'location') {
      locate(true);
    } else if (k.request === 'contact') {
      S.phoneMode = true;
      E.input.setAttribute('inputmode', 'tel');
      E.input.setAttribute('autocomplete', 'tel');
      E.input.focus();
      showToast(L('web.phone_hint'));
    } else {
      renderKeys(null);
      sendText(k.label);
    }
  }

  // --- toast and alert -----------------------------------------------------------------------

  function showToast(text, alert) {
    if (!text) return;
    if (alert) {
      E.alertText.textContent = text;
      E.alert.hidden = false;
      E.alertOk.focus();
      return;
    }
    E.toast.textContent = text;
    E.toast.hidden = false;
    clearTimeout(S.toastTimer);
    S.toastTimer = setTimeout(function () {
      E.toast.hidden = true;
    }, TOAST_MS);
  }

  // --- session, events, polling --------------------------------------------------------------

  /* GET /api/session. With `render`, the chat is drawn anew from it (first load, language). */
  function loadSession(render) {
    if (S.loading) {
      return S.loading.then(function (ok) {
        return ok && render ? loadSession(true) : ok;
      });
    }
    S.loading = (async function () {
      var r = await call('GET', '/api/session');
      if (!r.ok || !r.data || typeof r.data.csrf !== 'string') {
        if (r.network) goOffline();
        return false;
      }
      var d = r.data;
      S.csrf = d.csrf;
      S.lang = d.lang === 'en' ? 'en' : 'zh';
      if (d.labels && typeof d.labels === 'object') {
        S.labels = d.labels;
        save(LABELS_KEY, { lang: S.lang, labels: d.labels });
      }
      applyLabels();
      if (render) {
        E.messages.textContent = '';
        (Array.isArray(d.messages) ? d.messages : []).forEach(function (msg) {
          if (validMessage(msg)) placeMessage(msg);
        });
        renderKeys(d.keys);
        if (typeof d.last === 'number') S.last = d.last;
        S.ready = true;
        scrollToEnd();
      }
      markOnline();
      return true;
    })();
    return S.loading.then(
      function (ok) {
        S.loading = null;
        return ok;
      },
      function () {
        S.loading = null;
        return false;
      }
    );
  }

  /* After the first session: a station's poster (?st=<id>) starts the chat there; an empty
   * chat starts with the greeting. */
  async function greet() {
    if (S.station) {
      var r = await sendCommand('start', 'st_' + S.station, S.stationEventId);
      if (!r.network) S.station = null;
      S.greeted = true;
      return;
    }
    if (S.greeted) return;
    S.greeted = true;
    if (!E.messages.querySelector('[data-msg-id]')) {
      var r2 = await sendCommand('start');
      if (r2.network) S.greeted = false;
    }
  }

  /* The rider's language may have changed (/language, the menu's language button, or the
   * answer to "leave the draft first?" that a switch can ask): take the labels of the new
   * one. A response that names its `lang` tells at once. Otherwise `force` (a language command
   * or button) checks the session; when the language did not change yet (the bot asked a
   * question first), the next event checks once more. */
  function followLanguage(data, force) {
    var lang = data && typeof data.lang === 'string' ? data.lang : null;
    if (lang && lang !== S.lang) {
      S.langWanted = false;
      loadSession(false);
      return;
    }
    if (lang || !(force || S.langWanted)) return;
    var before = S.lang;
    loadSession(false).then(function (ok) {
      S.langWanted = !!(force && ok && S.lang === before);
    });
  }

  async function sendEvent(ev, pending, languageButton) {
    if (!ev.id) ev.id = newId();
    var r = await call('POST', '/api/event', JSON.stringify(ev));
    if (r.ok) {
      markOnline();
      applyOps(r.data && r.data.ops, pending);
      followLanguage(r.data, languageButton || (ev.type === 'command' && ev.name === 'language'));
    } else if (r.network) {
      goOffline();
      if (ev.type === 'text') {
        dropPending(pending);
        moveToComposer(ev.text);
      } else {
        showToast(L('web.error_network'));
      }
    } else {
      failPending(pending);
      showToast(errorText(r));
    }
    return r;
  }

  function sendCommand(name, args, id) {
    var ev = { id: id || newId(), type: 'command', name: name };
    if (args) ev.args = args;
    return sendEvent(ev);
  }

  async function sendText(text) {
    text = String(text || '').trim();
    if (!text) return;
    if (browserOffline()) {
      goOffline();
      moveToComposer(text);
      return;
    }
    var pending = addPending(text);
    await sendEvent({ type: 'text', text: text }, pending);
  }

  async function press(messageId, data, button) {
    var key = messageId + '\n' + data;
    if (S.busy[key]) return;
    S.busy[key] = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      var language = button.textContent === L('menu.language');
      await sendEvent({ type: 'press', data: data, message: messageId }, null, language);
    } finally {
      delete S.busy[key];
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  async function poll() {
    if (S.polling) return;
    S.polling = true;
    try {
      if (!S.ready) {
        if (await loadSession(true)) await greet();
      } else if (S.station || !S.greeted) {
        await greet();
      } else {
        var r = await call('GET', '/api/messages?after=' + encodeURIComponent(String(S.last)));
        if (r.ok && r.data) {
          markOnline();
          applyOps(r.data.ops);
          if (typeof r.data.last === 'number') S.last = r.data.last;
          if (typeof r.data.lang === 'string') followLanguage(r.data, false);
        } else if (r.network) {
          goOffline();
        }
      }
    } finally {
      S.polling = false;
    }
    flushOutbox();
  }

  // --- online / offline ----------------------------------------------------------------------

  function goOffline() {
    S.offline = true;
    E.banner.hidden = false;
    updateComposer();
  }

  function markOnline() {
    if (!S.offline && E.banner.hidden) return;
    S.offline = false;
    E.banner.hidden = !browserOffline();
    updateComposer();
    flushOutbox();
  }

  // --- the offline composer and the outbox ---------------------------------------------------

  function loadQueue() {
    var queue = restore(OUTBOX_KEY, []);
    return Array.isArray(queue) ? queue.filter(function (item) {
      return item && typeof item.id === 'string';
    }) : [];
  }

  function dropQueued(id) {
    save(OUTBOX_KEY, loadQueue().filter(function (item) {
      return item.id !== id;
    }));
  }

  function freshLocation() {
    var loc = restore(LOCATION_KEY, null);
    if (!loc || typeof loc.lat !== 'number' || typeof loc.lon !== 'number') return null;
    return Date.now() - loc.at <= LOCATION_FRESH_MS ? loc : null;
  }

  function composerNeeded() {
    return (
      S.offline ||
      browserOffline() ||
      loadQueue().length > 0 ||
      E.offlineText.value.trim() !== '' ||
      !!S.offlinePhoto
    );
  }

  function updateComposer() {
    if (!E.offline) return;
    var wasHidden = E.offline.hidden;
    E.offline.hidden = !composerNeeded();
    E.banner.hidden = !(S.offline || browserOffline());
    E.offlineSave.textContent =
      S.offline || browserOffline() ? L('web.offline_send_label') : L('web.send');
    E.offlineLoc.hidden = !freshLocation();
    E.offlinePhoto.hidden = !S.offlinePhoto;
    if (wasHidden && !E.offline.hidden) scrollToEnd();
  }

  function excerpt(text) {
    text = String(text || '').replace(/\s+/g, ' ').trim();
    return text.length > 60 ? text.slice(0, 60) + '…' : text;
  }

  function renderOutbox() {
    E.outbox.textContent = '';
    loadQueue().forEach(function (item) {
      var li = el('li', 'queued');
      li.setAttribute('data-outbox-id', item.id);
      li.appendChild(el('span', 'state', L('web.offline_waiting')));
      li.appendChild(el('span', 'excerpt', (item.photo ? '📷 ' : '') + excerpt(item.text)));
      E.outbox.appendChild(li);
    });
    updateComposer();
  }

  function moveToComposer(text) {
    var old = E.offlineText.value.replace(/\s+$/, '');
    E.offlineText.value = old ? old + '\n' + text : text;
    E.input.value = '';
    updateComposer();
    scrollToEnd();
  }

  function saveDraft() {
    var text = E.offlineText.value.trim();
    if (!text) {
      showToast(L('web.offline_empty'));
      E.offlineText.focus();
      return;
    }
    var item = { id: newId(), text: text, saved_at: new Date().toISOString() };
    var loc = freshLocation();
    if (loc) {
      item.latitude = loc.lat;
      item.longitude = loc.lon;
    }
    if (S.offlinePhoto) item.photo = S.offlinePhoto;
    var queue = loadQueue();
    queue.push(item);
    if (!save(OUTBOX_KEY, queue)) {
      if (!item.photo) {
        showToast(L('web.not_saved'));
        return;
      }
      delete item.photo;
      if (!save(OUTBOX_KEY, queue)) {
        showToast(L('web.not_saved'));
        return;
      }
      showToast(L('web.photo_dropped'), true);
    } else if (S.offline || browserOffline()) {
      showToast(L('web.offline_saved'));
    }
    E.offlineText.value = '';
    setOfflinePhoto(null);
    renderOutbox();
    flushOutbox();
  }

  /* Send the saved drafts, oldest first. One loop at a time; a draft leaves the queue when the
   * server took it (2xx) or refused it for good (4xx other than 403 and 429). */
  async function flushOutbox() {
    if (S.flushing) return;
    if (!loadQueue().length) return;
    if (browserOffline()) {
      goOffline();
      return;
    }
    S.flushing = true;
    var sent = 0;
    try {
      if (!S.csrf && !(await loadSession(!S.ready))) return;
      var queue = loadQueue();
      for (var i = 0; i < queue.length; i++) {
        var item = queue[i];
        var r = await sendDraft(item);
        if (r.status === 413 && item.photo) {
          // Too large with its photo: send the words without it rather than lose them.
          delete item.photo;
          replaceQueued(item);
          r = await sendDraft(item);
        }
        if (r.ok) {
          dropQueued(item.id);
          markOnline();
          applyOps(r.data && r.data.ops);
          sent++;
        } else if (r.network) {
          goOffline();
          break;
        } else if (r.status >= 400 && r.status < 500 && r.status !== 403 && r.status !== 429) {
          dropQueued(item.id);
          showToast(errorText(r), true);
        } else {
          break;
        }
      }
    } finally {
      S.flushing = false;
      renderOutbox();
    }
    if (sent) showToast(L('web.offline_sent'));
  }

  function replaceQueued(item) {
    save(OUTBOX_KEY, loadQueue().map(function (old) {
      return old.id === item.id ? item : old;
    }));
  }

  function sendDraft(item) {
    var form = new FormData();
    form.append('id', item.id);
    form.append('text', String(item.text || ''));
    if (typeof item.latitude === 'number' && typeof item.longitude === 'number') {
      form.append('latitude', String(item.latitude));
      form.append('longitude', String(item.longitude));
    }
    if (item.photo) {
      var blob = dataUrlToBlob(item.photo);
      if (blob) form.append('file', blob, 'photo.jpg');
    }
    return call('POST', '/api/offline', form, { timeout: UPLOAD_MS });
  }

  // --- photos --------------------------------------------------------------------------------

  function loadImage(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        resolve({ img: img, url: url });
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        resolve(null);
      };
      img.src = url;
    });
  }

  function scaledCanvas(img, maxSide) {
    var w = img.naturalWidth || img.width;
    var h = img.naturalHeight || img.height;
    if (!w || !h) return null;
    var scale = Math.min(1, maxSide / Math.max(w, h));
    var canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    var ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function dataUrlToBlob(url) {
    var match = /^data:([^;,]*)(;base64)?,(.*)$/.exec(String(url));
    if (!match) return null;
    try {
      var raw = match[2] ? atob(match[3]) : decodeURIComponent(match[3]);
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      return new Blob([bytes], { type: match[1] || 'application/octet-stream' });
    } catch (e) {
      return null;
    }
  }

  function canvasToJpeg(canvas, quality) {
    return new Promise(function (resolve) {
      var viaDataUrl = function () {
        try {
          resolve(dataUrlToBlob(canvas.toDataURL('image/jpeg', quality)));
        } catch (e) {
          resolve(null);
        }
      };
      if (!canvas.toBlob) {
        viaDataUrl();
        return;
      }
      try {
        canvas.toBlob(
          function (blob) {
            if (blob) resolve(blob);
            else viaDataUrl();
          },
          'image/jpeg',
          quality
        );
      } catch (e) {
        viaDataUrl();
      }
    });
  }

  /* A photo for the chat: at most PHOTO_MAX_SIDE on its long side, JPEG. Null when the browser
   * cannot decode it. */
  async function resizePhoto(file) {
    var loaded = await loadImage(file);
    if (!loaded) return null;
    try {
      var canvas = scaledCanvas(loaded.img, PHOTO_MAX_SIDE);
      return canvas ? await canvasToJpeg(canvas, PHOTO_QUALITY) : null;
    } finally {
      URL.revokeObjectURL(loaded.url);
    }
  }

  /* A photo for an offline draft: a JPEG data URL of at most OFFLINE_PHOTO_BYTES. */
  async function offlinePhoto(file) {
    var loaded = await loadImage(file);
    if (!loaded) return null;
    try {
      var tries = [[1280, 0.7], [1024, 0.6], [800, 0.55], [640, 0.5], [480, 0.45]];
      for (var i = 0; i < tries.length; i++) {
        var canvas = scaledCanvas(loaded.img, tries[i][0]);
        if (!canvas) return null;
        var url = canvas.toDataURL('image/jpeg', tries[i][1]);
        var bytes = Math.ceil(((url.length - url.indexOf(',') - 1) * 3) / 4);
        if (url.indexOf('data:image/jpeg') === 0 && bytes <= OFFLINE_PHOTO_BYTES) return url;
      }
      return null;
    } finally {
      URL.revokeObjectURL(loaded.url);
    }
  }

  function setOfflinePhoto(url) {
    S.offlinePhoto = url;
    if (url) E.offlinePhotoImg.src = url;
    else E.offlinePhotoImg.removeAttribute('src');
    updateComposer();
  }

  async function attachOfflinePhoto(file) {
    var url = await offlinePhoto(file);
    if (!url) {
      showToast(L('web.too_big'));
      return;
    }
    setOfflinePhoto(url);
    scrollToEnd();
  }

  async function onPhotoChosen() {
    var file = E.photoInput.files && E.photoInput.files[0];
    var target = S.photoTarget;
    S.photoTarget = 'chat';
    E.photoInput.value = '';
    if (!file) return;
    if (target === 'offline' || S.offline || browserOffline()) {
      await attachOfflinePhoto(file);
      return;
    }
    var pending = addPending(L('web.photo'));
    var blob = await resizePhoto(file);
    var name = 'photo.jpg';
    if (!blob) {
      if (file.size > ORIGINAL_MAX_BYTES) {
        dropPending(pending);
        showToast(L('web.too_big'));
        return;
      }
      blob = file;
      name = file.name || 'photo';
    }
    var r = await upload('photo', blob, name, 0, pending);
    if (r.network) await attachOfflinePhoto(file);
  }

  async function upload(kind, blob, name, seconds, pending) {
    var form = new FormData();
    form.append('id', newId());
    form.append('kind', kind);
    if (kind === 'voice') form.append('seconds', String(seconds));
    form.append('file', blob, name);
    var r = await call('POST', '/api/upload', form, { timeout: UPLOAD_MS });
    if (r.ok) {
      markOnline();
      applyOps(r.data && r.data.ops, pending);
    } else if (r.network) {
      dropPending(pending);
      goOffline();
      showToast(L('web.error_network'));
    } else {
      failPending(pending);
      showToast(errorText(r, r.status === 413 ? 'web.too_big' : 'web.not_sent'));
    }
    return r;
  }

  // --- voice ---------------------------------------------------------------------------------

  function canRecord() {
    return (
      typeof window.MediaRecorder === 'function' &&
      !!navigator.mediaDevices &&
      typeof navigator.mediaDevices.getUserMedia === 'function'
    );
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ':' + ('0' + (s % 60)).slice(-2);
  }

  function updateVoiceButton() {
    if (!E.voice) return;
    var rec = S.recorder;
    if (rec) {
      E.voice.textContent = L('web.voice_stop') + ' ' + clock((Date.now() - rec.started) / 1000);
      E.voice.classList.add('recording');
      E.voice.setAttribute('aria-pressed', 'true');
    } else {
      E.voice.textContent = L('web.voice');
      E.voice.classList.remove('recording');
      E.voice.setAttribute('aria-pressed', 'false');
    }
  }

  function audioName(type) {
    if (/webm/i.test(type)) return 'voice.webm';
    if (/mp4|m4a|aac/i.test(type)) return 'voice.m4a';
    if (/ogg|opus/i.test(type)) return 'voice.ogg';
    if (/mpeg|mp3/i.test(type)) return 'voice.mp3';
    if (/wav/i.test(type)) return 'voice.wav';
    return 'voice.webm';
  }

  async function startRecording() {
    var stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      S.voiceFallback = true;
      showToast(L('web.voice_denied'));
      return;
    }
    var recorder;
    try {
      recorder = new MediaRecorder(stream);
    } catch (e) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      S.voiceFallback = true;
      E.voiceInput.click();
      return;
    }
    var chunks = [];
    var rec = { recorder: recorder, started: Date.now(), tick: 0, limit: 0 };
    recorder.ondataavailable = function (event) {
      if (event.data && event.data.size) chunks.push(event.data);
    };
    recorder.onstop = function () {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      clearInterval(rec.tick);
      clearTimeout(rec.limit);
      S.recorder = null;
      updateVoiceButton();
      var seconds = Math.min(VOICE_MAX_S, Math.max(1, Math.round((Date.now() - rec.started) / 1000)));
      var type = recorder.mimeType || (chunks[0] && chunks[0].type) || 'audio/webm';
      var blob = new Blob(chunks, { type: type });
      if (!blob.size) return;
      var pending = addPending(L('web.voice'));
      upload('voice', blob, audioName(type), seconds, pending);
    };
    S.recorder = rec;
    rec.tick = setInterval(updateVoiceButton, 500);
    rec.limit = setTimeout(stopRecording, VOICE_MAX_S * 1000);
    recorder.start();
    updateVoiceButton();
  }

  function stopRecording() {
    var rec = S.recorder;
    if (!rec) return;
    try {
      if (rec.recorder.state !== 'inactive') rec.recorder.stop();
    } catch (e) {
      S.recorder = null;
      updateVoiceButton();
    }
  }

  function audioSeconds(file) {
    return new Promise(function (resolve) {
      var done = false;
      var url = URL.createObjectURL(file);
      var audio = document.createElement('audio');
      var finish = function (seconds) {
        if (done) return;
        done = true;
        URL.revokeObjectURL(url);
        resolve(seconds);
      };
      audio.preload = 'metadata';
      audio.addEventListener('loadedmetadata', function () {
        var d = audio.duration;
        finish(isFinite(d) && d > 0 ? Math.max(1, Math.round(d)) : 0);
      });
      audio.addEventListener('error', function () {
        finish(0);
      });
      setTimeout(function () {
        finish(0);
      }, 4000);
      audio.src = url;
    });
  }

  async function onVoiceChosen() {
    var file = E.voiceInput.files && E.voiceInput.files[0];
    E.voiceInput.value = '';
    if (!file) return;
    var seconds = await audioSeconds(file);
    var pending = addPending(L('web.voice'));
    await upload('voice', file, file.name || audioName(file.type || ''), seconds, pending);
  }

  function onVoice() {
    if (S.recorder) stopRecording();
    else if (canRecord() && !S.voiceFallback) startRecording();
    else E.voiceInput.click();
  }

  // --- location ------------------------------------------------------------------------------

  function focusInput() {
    E.input.focus();
  }

  function locate(fromKey) {
    if (!navigator.geolocation || window.isSecureContext === false) {
      showToast(L('web.location_unsupported'));
      focusInput();
      return;
    }
    E.location.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        E.location.disabled = false;
        var loc = { lat: pos.coords.latitude, lon: pos.coords.longitude, at: Date.now() };
        save(LOCATION_KEY, loc);
        if (S.offline || browserOffline()) {
          updateComposer();
          showToast(L('web.location_attached'));
          return;
        }
        if (fromKey) renderKeys(null);
        sendEvent({ type: 'location', latitude: loc.lat, longitude: loc.lon });
      },
      function (err) {
        E.location.disabled = false;
        showToast(L(err && err.code === 1 ? 'web.location_denied' : 'web.location_failed'));
        focusInput();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // --- another phone, language, the ⋯ menu ---------------------------------------------------

  function closeMore() {
    E.moreMenu.hidden = true;
    E.more.setAttribute('aria-expanded', 'false');
  }

  async function anotherPhone() {
    closeMore();
    var r = await call('POST', '/api/link', '{}');
    if (!r.ok || !r.data || typeof r.data.url !== 'string') {
      if (r.network) goOffline();
      showToast(r.network ? L('web.error_network') : errorText(r));
      return;
    }
    E.linkUrl.value = r.data.url;
    E.linkPanel.hidden = false;
    E.linkUrl.focus();
    selectLink();
  }

  function selectLink() {
    try {
      E.linkUrl.select();
      E.linkUrl.setSelectionRange(0, E.linkUrl.value.length);
    } catch (e) {
      /* some engines refuse a selection in a read-only field */
    }
  }

  async function copyLink() {
    var url = E.linkUrl.value;
    if (navigator.clipboard && window.isSecureContext !== false) {
      try {
        await navigator.clipboard.writeText(url);
        showToast(L('web.link_copied'));
        return;
      } catch (e) {
        /* fall through to selecting the text */
      }
    }
    E.linkUrl.focus();
    selectLink();
    var copied = false;
    try {
      copied = document.execCommand('copy');
    } catch (e) {
      copied = false;
    }
    showToast(copied ? L('web.link_copied') : L('web.link_select'));
  }

  function switchLanguage() {
    closeMore();
    sendCommand('language');
  }

  // --- wiring --------------------------------------------------------------------------------

  function bind() {
    [
      'messages', 'keys', 'input', 'send', 'menu', 'photo', 'voice', 'location', 'banner',
      'toast', 'alert', 'lang', 'more', 'another', 'outbox'
    ].forEach(function (id) {
      E[id] = byId(id);
    });
    E.composer = byId('composer');
    E.moreMenu = byId('more-menu');
    E.alertText = byId('alert-text');
    E.alertOk = byId('alert-ok');
    E.offline = byId('offline');
    E.offlineText = byId('offline-text');
    E.offlineSave = byId('offline-save');
    E.offlineLoc = byId('offline-loc');
    E.offlinePhoto = byId('offline-photo');
    E.offlinePhotoImg = byId('offline-photo-img');
    E.photoInput = byId('photo-input');
    E.voiceInput = byId('voice-input');
    E.linkPanel = byId('link-panel');
    E.linkUrl = byId('link-url');

    E.composer.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = E.input.value;
      if (!text.trim()) {
        focusInput();
        return;
      }
      E.input.value = '';
      if (S.phoneMode) {
        S.phoneMode = false;
        renderKeys(null);
        E.input.removeAttribute('inputmode');
        E.input.setAttribute('autocomplete', 'off');
      }
      sendText(text);
    });
    E.menu.addEventListener('click', function () {
      sendCommand('start');
    });
    E.photo.addEventListener('click', function () {
      S.photoTarget = 'chat';
      E.photoInput.click();
    });
    byId('offline-photo-btn').addEventListener('click', function () {
      S.photoTarget = 'offline';
      E.photoInput.click();
    });
    byId('offline-photo-remove').addEventListener('click', function () {
      setOfflinePhoto(null);
    });
    E.photoInput.addEventListener('change', onPhotoChosen);
    E.voice.addEventListener('click', onVoice);
    E.voiceInput.addEventListener('change', onVoiceChosen);
    E.location.addEventListener('click', function () {
      locate(false);
    });
    E.offlineSave.addEventListener('click', saveDraft);
    E.offlineText.addEventListener('input', updateComposer);
    E.lang.addEventListener('click', switchLanguage);
    E.more.addEventListener('click', function (event) {
      event.stopPropagation();
      var open = E.moreMenu.hidden;
      E.moreMenu.hidden = !open;
      E.more.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
    E.moreMenu.addEventListener('click', function (event) {
      var target = event.target;
      var name = target && target.getAttribute ? target.getAttribute('data-command') : null;
      if (name) {
        closeMore();
        sendCommand(name);
      }
    });
    document.addEventListener('click', function (event) {
      if (!E.moreMenu.hidden && !E.moreMenu.contains(event.target)) closeMore();
    });
    document.addEventListener('keydown', function (event) {
      if (event.key !== 'Escape') return;
      closeMore();
      E.linkPanel.hidden = true;
      E.alert.hidden = true;
    });
    E.another.addEventListener('click', anotherPhone);
    byId('link-copy').addEventListener('click', copyLink);
    byId('link-close').addEventListener('click', function () {
      E.linkPanel.hidden = true;
    });
    E.alertOk.addEventListener('click', function () {
      E.alert.hidden = true;
    });
    E.toast.addEventListener('click', function () {
      E.toast.hidden = true;
    });

    window.addEventListener('online', poll);
    window.addEventListener('offline', goOffline);
    window.addEventListener('focus', poll);
    window.addEventListener('pageshow', poll);
    document.addEventListener('visibilitychange', function () {
      if (visible()) poll();
    });
    setInterval(function () {
      if (visible()) poll();
    }, POLL_MS);
    setInterval(function () {
      if (loadQueue().length) flushOutbox();
    }, OUTBOX_MS);
  }

  function readStation() {
    var match = /[?&]st=([^&#]*)/.exec(window.location.search);
    if (!match) return;
    var station = '';
    try {
      station = decodeURIComponent(match[1]);
    } catch (e) {
      station = '';
    }
    if (/^[A-Za-z0-9_-]{1,60}$/.test(station)) {
      S.station = station;
      S.stationEventId = newId();
    }
    try {
      window.history.replaceState(null, '', window.location.pathname + window.location.hash);
    } catch (e) {
      /* an old engine: the query stays, the poster's start is sent once anyway */
    }
  }

  function registerWorker() {
    if (!('serviceWorker' in navigator) || !navigator.serviceWorker) return;
    try {
      navigator.serviceWorker.register('/sw.js').catch(function () {});
    } catch (e) {
      /* no service worker here (an in-app browser): localStorage keeps the drafts anyway */
    }
  }

  async function boot() {
    bind();
    var cached = restore(LABELS_KEY, null);
    if (cached && cached.labels && typeof cached.labels === 'object') {
      S.labels = cached.labels;
      S.lang = cached.lang === 'en' ? 'en' : 'zh';
    }
    applyLabels();
    readStation();
    renderOutbox();
    registerWorker();
    if (browserOffline()) goOffline();
    await poll();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  } else {
    boot();
  }
})();
