// anteroom waiting room: keeps the page current by polling the status endpoint.
// The starting state comes from the data-* attributes of #anteroom (no inline script,
// so a strict CSP holds); browsers without JavaScript use the <noscript> refresh.
(function () {
  'use strict';
  var root = document.getElementById('anteroom');
  if (!root) return;
  var data = root.dataset;
  var STATES = ['prequeue', 'waiting', 'admitted', 'sold_out', 'closed', 'paused', 'unavailable'];
  var MAX_WAIT = 60000;
  var SOLD_OUT_WAIT = 30000; // stock can come back as holds expire, but not often

  function num(v) { v = Math.round(Number(v)); return v > 0 ? v : 0; }
  function jitter(ms) { return ms * (0.8 + Math.random() * 0.4); }

  var s = {
    state: data.state, position: num(data.position), ahead: num(data.ahead), ticket: num(data.ticket),
    lo: num(data.etaLow), hi: num(data.etaHigh), progress: Math.min(100, num(data.progress)),
    poll: Math.max(1000, num(data.pollAfterMs) || 5000), redirect: data.redirect || '/'
  };
  var statusURL = data.statusUrl || '/.anteroom/status';
  var title = data.title || document.title;
  // The states in which the page shows a place in line, and the tab's title leads with it.
  var PLACE = ['prequeue', 'waiting', 'paused', 'unavailable'];
  // How many were ahead when the ticket was taken, so the bar keeps moving between renders.
  var start = s.progress < 100 ? s.ahead / (1 - s.progress / 100) : 0;
  var timer = 0, due = 0, fails = 0, tick = 0, deadline = 0;

  if (!window.fetch) { // too old to poll: reload instead, like the no-script page does
    setTimeout(function () { location.reload(); }, jitter(s.poll));
    return;
  }

  function each(sel, fn) { Array.prototype.forEach.call(document.querySelectorAll(sel), fn); }
  function set(field, text) {
    each('[data-field="' + field + '"]', function (el) { if (el.textContent !== text) el.textContent = text; });
  }
  // The page's language, as the gateway wrote it: digits, separators and the words for a
  // wait (data-text), so that numbers read the same after a poll as before it.
  var T = {};
  try { T = JSON.parse(data.text || '{}') || {}; } catch (e) { T = {}; }
  var digits = T.digits || '0123456789'.split(''), group = typeof T.group === 'string' ? T.group : ',';
  var pct = T.pct || ['', '%'], rules = null;
  try { rules = new Intl.PluralRules(T.lang); } catch (e) { rules = null; }

  function dig(s) { return String(s).replace(/[0-9]/g, function (c) { return digits[c]; }); }
  function fmt(n) {
    var s = String(Math.max(0, Math.floor(n))), out = '';
    for (var i = 0; i < s.length; i++) out += (i && (s.length - i) % 3 === 0 ? group : '') + digits[s.charAt(i)];
    return out;
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(t) { return dig(pad(Math.floor(t / 3600)) + ':' + pad(Math.floor(t / 60) % 60) + ':' + pad(t % 60)); }
  function percent(n) { return pct[0] + fmt(n) + pct[1]; }

  // eta mirrors Text.appendETA in static/numbers.go; keep the two in step.
  function eta(lo, hi) {
    if (lo > hi) { var t = lo; lo = hi; hi = t; }
    if (!hi) return T.unknown || '';
    if (hi < 60) return T.soon || '';
    var u = 60, forms = T.min || {};
    if (hi > 5400) { u = 3600; forms = T.hour || {}; }
    var b = Math.ceil(hi / u), a = Math.min(b, Math.max(1, Math.floor((lo + u / 2) / u)));
    var phrase = forms[rules ? rules.select(b) : 'other'] || forms.other || '{n}';
    return phrase.replace('{n}', a < b ? fmt(a) + '\u2013' + fmt(b) : fmt(b));
  }

  // target is where an admitted shopper goes: only ever a path on this site.
  function target() {
    var r = s.redirect, u = null;
    if (typeof r === 'string' && r.charAt(0) === '/' && r.charAt(1) !== '/' && r.charAt(1) !== '\\' &&
        !/[\u0000-\u001f\u007f]/.test(r)) {
      try { u = new URL(r, location.href); } catch (e) { u = null; }
      if (u && u.origin === location.origin) return u.pathname + u.search;
    }
    return '/';
  }

  function render() {
    root.setAttribute('data-state', s.state);
    each('[data-show],[data-need]', function (el) {
      var show = el.getAttribute('data-show'), need = el.getAttribute('data-need');
      el.hidden = (show !== null && show.split(' ').indexOf(s.state) < 0) || (need !== null && !s[need]);
    });
    set('position', fmt(s.position));
    set('ahead', fmt(s.ahead));
    set('ticket', fmt(s.ticket));
    var t = (s.position && PLACE.indexOf(s.state) >= 0 ? '(' + fmt(s.position) + ') ' : '') + title;
    if (document.title !== t) document.title = t;
    set('eta', eta(s.lo, s.hi));
    if (start < s.ahead) start = s.ahead;
    if (start > 0) s.progress = Math.max(s.progress, Math.min(100, Math.round(100 * (1 - s.ahead / start))));
    each('progress[data-field="progress"]', function (el) { el.value = s.progress; });
    set('percent', percent(s.progress));
    each('a[data-field="redirect"]', function (el) { el.setAttribute('href', target()); });
  }

  // A screen reader hears only what matters (data-field="say", a small live region of
  // its own): a change of state, a move of the place in line by a tenth or more since
  // it was last told, or a wait that now reads differently. Every poll would be noise.
  var said = { state: s.state, place: s.position, eta: eta(s.lo, s.hi) };
  function announce() {
    var e = eta(s.lo, s.hi), text = '', place = s.position && PLACE.indexOf(s.state) >= 0;
    var line = place && T.say ? T.say.replace('{place}', fmt(s.position)).replace('{eta}', e) : '';
    if (s.state !== said.state) {
      var h = document.querySelector('section[data-show="' + s.state + '"] h2');
      text = (h ? h.textContent : '') + (line ? ' ' + line : '');
    } else if (line && (Math.abs(said.place - s.position) >= 0.1 * said.place || e !== said.eta)) {
      text = line;
    }
    if (!text) return;
    said = { state: s.state, place: s.position, eta: e };
    set('say', text);
  }

  function message(text) {
    each('[data-field="message"]', function (el) {
      if (el.textContent !== text) el.textContent = text;
      el.hidden = !text;
    });
  }
  function offline(on) { each('[data-field="net"]', function (el) { el.hidden = !on; }); }

  function schedule(ms) {
    clearTimeout(timer);
    due = Date.now() + ms;
    timer = setTimeout(poll, ms);
  }

  function poll() {
    clearTimeout(timer);
    due = 0;
    fetch(statusURL, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) throw r;
        return r.json();
      })
      .then(update)
      .catch(function (err) {
        // Keep everything on screen and try again later, less often each time.
        fails++;
        offline(true);
        var wait = Math.min(MAX_WAIT, s.poll * Math.pow(2, fails));
        var after = err && err.headers ? num(err.headers.get('Retry-After')) * 1000 : 0;
        wait = Math.max(wait, Math.min(after, MAX_WAIT));
        schedule(wait >= MAX_WAIT ? MAX_WAIT * (0.8 + Math.random() * 0.2) : jitter(wait));
      });
  }

  // rejoin loads the page again, so that the gateway hands out a ticket: the cookie is gone
  // (lost, or run out), or the page came before the pre-queue began. A cookie keeps any
  // place there is, so a reload never costs one; it comes only after a poll, so no oftener
  // than the no-script page reloads anyway. A GET, as the refresh does (reload() would
  // offer to send a form again), and without the #fragment, which would not load at all.
  function rejoin() {
    clearTimeout(timer);
    clearTimeout(tick);
    location.replace(location.href.split('#')[0]);
  }

  // nextPoll schedules the coming poll: never once the room has closed, which is final;
  // seldom when sold out.
  function nextPoll() {
    if (s.state === 'closed') { clearTimeout(timer); due = 0; return; }
    schedule(jitter(s.state === 'sold_out' ? Math.max(s.poll, SOLD_OUT_WAIT) : s.poll));
  }

  function update(j) {
    if (!j || typeof j !== 'object') throw new Error('bad status');
    fails = 0;
    offline(false);
    // Without a ticket the gateway only says how the room is: in line with no place, or a
    // countdown that leaps ahead (ours counted to the pre-queue's start, the new one to the
    // opening).
    if (navigator.cookieEnabled !== false &&
        ((j.state === 'waiting' && !num(j.position)) ||
         (j.state === 'prequeue' && num(j.opens_in_seconds) &&
          Date.now() + num(j.opens_in_seconds) * 1000 - deadline > 5000))) {
      rejoin();
      return;
    }
    var changed = STATES.indexOf(j.state) >= 0 && j.state !== s.state;
    if (changed) s.state = j.state;
    // The status's position is the ticket's number; the place in line is the people
    // still ahead, plus one.
    if ('position' in j) s.ticket = num(j.position);
    if ('ahead' in j) s.ahead = num(j.ahead);
    s.position = s.ticket ? s.ahead + 1 : 0;
    if ('eta_seconds' in j) { var e = j.eta_seconds || []; s.lo = num(e[0]); s.hi = num(e[1]); }
    if (num(j.poll_after_ms)) s.poll = Math.max(1000, num(j.poll_after_ms));
    if (typeof j.redirect === 'string' && j.redirect) s.redirect = j.redirect;
    if (typeof j.message === 'string') message(j.message);
    else if (changed) message('');
    if ('opens_in_seconds' in j) countdown(num(j.opens_in_seconds));
    if (s.state === 'admitted') s.progress = 100;
    render();
    announce();
    if (s.state === 'admitted') {
      clearTimeout(timer);
      location.replace(target());
      return;
    }
    nextPoll();
  }

  function countdown(sec) {
    var next = Date.now() + sec * 1000;
    // Ignore small differences: they are network latency, and would make the clock jump.
    if (Math.abs(next - deadline) > 1500) { deadline = next; count(); }
  }
  function count() {
    clearTimeout(tick);
    var ms = deadline - Date.now(), left = Math.max(0, Math.ceil(ms / 1000));
    set('countdown', clock(left));
    if (left > 0) tick = setTimeout(count, ms % 1000 + 20);
    else if (s.state === 'prequeue' && due - Date.now() > 3000) schedule(1000 + Math.random() * 2000);
  }

  countdown(num(data.opensIn));
  nextPoll();
  window.addEventListener('online', function () { if (fails) schedule(500 + Math.random() * 1000); });
}());
