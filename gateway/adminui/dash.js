// anteroom's live dashboard. It asks for the admin token once (kept in
// sessionStorage, for this tab only), then reads GET /api/v1/rooms and each
// room's history every 2 s; the figures are never more than 2 s stale.
"use strict";
(function () {
  var EVERY = 2000;
  var KEY = "anteroom-admin-token";
  var $ = function (id) { return document.getElementById(id); };
  var cards = {};   // room name -> {el, fields, charts}
  // The charts by room, for whoever looks (the browser test does).
  window.anteroomCharts = {};
  var timer = null;

  function token() { return sessionStorage.getItem(KEY) || ""; }

  function api(method, path) {
    return fetch(path, { method: method, cache: "no-store", headers: { "Authorization": "Bearer " + token() } })
      .then(function (r) {
        return r.text().then(function (body) {
          var data = null;
          try { data = body ? JSON.parse(body) : null; } catch (e) { /* not JSON */ }
          if (r.status === 401) { askToken("That token was refused. Enter the admin token again."); throw new Error("unauthorized"); }
          if (!r.ok) { throw new Error((data && data.error) || (r.status + " " + r.statusText)); }
          return data;
        });
      });
  }

  function askToken(why) {
    sessionStorage.removeItem(KEY);
    if (timer) { clearTimeout(timer); timer = null; }
    $("login").hidden = false;
    $("signout").hidden = true;
    problem(why || "");
    $("token").focus();
  }

  function problem(msg) {
    $("problem").textContent = msg;
    $("problem").hidden = !msg;
  }

  function fmtInt(n) { return (n === undefined || n === null) ? "–" : Math.round(n).toLocaleString("en"); }
  function fmtETA(s) {
    if (!s) { return "0 s"; }
    if (s < 90) { return s + " s"; }
    if (s < 5400) { return Math.round(s / 60) + " min"; }
    return (s / 3600).toFixed(1) + " h";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var FIELDS = [
    ["waiting", "Waiting"], ["active", "Active"], ["admitted_per_minute", "Admitted/min"],
    ["eta_seconds", "ETA (newcomer)"], ["stock_left", "Stock left"], ["stock_sold", "Sold"]
  ];

  function card(name) {
    if (cards[name]) { return cards[name]; }
    var c = { fields: {}, charts: {} };
    c.el = el("section", "room");
    c.el.dataset.room = name;
    var h = el("h2");
    h.appendChild(el("span", "name", name));
    c.state = el("span", "state");
    c.state.dataset.field = "state";
    h.appendChild(c.state);
    c.el.appendChild(h);
    var dl = el("dl", "figures");
    FIELDS.forEach(function (f) {
      var d = el("div");
      d.appendChild(el("dt", "", f[1]));
      var dd = el("dd", "", "–");
      dd.dataset.field = f[0];
      d.appendChild(dd);
      dl.appendChild(d);
      c.fields[f[0]] = { box: d, dd: dd };
    });
    c.el.appendChild(dl);
    var actions = el("div", "actions");
    c.pause = el("button", "pause", "Pause admissions");
    c.pause.type = "button";
    c.resume = el("button", "resume", "Resume admissions");
    c.resume.type = "button";
    c.said = el("span", "said");
    c.pause.addEventListener("click", function () { steer(name, "pause", c); });
    c.resume.addEventListener("click", function () { steer(name, "resume", c); });
    actions.appendChild(c.pause);
    actions.appendChild(c.resume);
    actions.appendChild(c.said);
    c.el.appendChild(actions);
    c.storeErr = el("p", "storeerr");
    c.storeErr.hidden = true;
    c.el.appendChild(c.storeErr);
    c.lineBox = chartBox(c.el, "Last 30 minutes: waiting, active, admitted/min");
    c.stockBox = chartBox(c.el, "Last 30 minutes: stock left");
    c.stockBox.hidden = true;
    $("rooms").appendChild(c.el);
    cards[name] = c;
    return c;
  }

  function chartBox(parent, title) {
    var box = el("div", "chart");
    box.appendChild(el("h3", "", title));
    parent.appendChild(box);
    return box;
  }

  function steer(name, verb, c) {
    c.pause.disabled = c.resume.disabled = true;
    c.said.textContent = verb === "pause" ? "Pausing…" : "Resuming…";
    api("POST", "/api/v1/rooms/" + encodeURIComponent(name) + "/" + verb)
      .then(function () { c.said.textContent = verb === "pause" ? "Paused." : "Resumed."; refresh(); })
      .catch(function (e) { c.said.textContent = "Could not " + verb + ": " + e.message; })
      .then(function () { c.pause.disabled = c.resume.disabled = false; });
  }

  function show(room) {
    var c = card(room.name);
    c.state.textContent = room.state.replace("_", " ");
    c.state.className = "state " + room.state;
    var v = {
      waiting: fmtInt(room.waiting), active: fmtInt(room.active),
      admitted_per_minute: fmtInt(room.admitted_per_minute), eta_seconds: fmtETA(room.eta_seconds)
    };
    if (room.stock) {
      v.stock_left = fmtInt(room.stock.left) + " / " + fmtInt(room.stock.total);
      v.stock_sold = fmtInt(room.stock.sold);
    }
    FIELDS.forEach(function (f) {
      var has = v[f[0]] !== undefined;
      c.fields[f[0]].box.hidden = !has;
      if (has) { c.fields[f[0]].dd.textContent = v[f[0]]; }
    });
    c.pause.hidden = room.state === "paused";
    c.resume.hidden = room.state !== "paused";
    c.storeErr.hidden = !room.store_error;
    c.storeErr.textContent = room.store_error ? "Store unreachable; figures as of the last sync: " + room.store_error : "";
  }

  function width(box) { return Math.max(240, box.clientWidth); }

  function plot(c, key, box, opts, data) {
    var u = c.charts[key];
    if (!u) {
      opts.width = width(box);
      opts.height = 180;
      u = new uPlot(opts, data, box);
      c.charts[key] = u;
    } else {
      u.setData(data);
    }
    return u;
  }

  function chart(name, h) {
    var c = card(name);
    var line = plot(c, "line", c.lineBox, {
      scales: { x: { time: true } },
      series: [{}, { label: "waiting", stroke: "#0969da" }, { label: "active", stroke: "#1a7f37" },
        { label: "admitted/min", stroke: "#9a6700", scale: "rate" }],
      axes: [{}, {}, { scale: "rate", side: 1, grid: { show: false } }]
    }, [h.t, h.waiting, h.active, h.admitted_per_minute]);
    window.anteroomCharts[name] = line;
    if (h.stock_left) {
      c.stockBox.hidden = false;
      plot(c, "stock", c.stockBox, {
        scales: { x: { time: true } },
        series: [{}, { label: "stock left", stroke: "#cf222e" }]
      }, [h.t, h.stock_left]);
    }
  }

  function refresh() {
    return api("GET", "/api/v1/rooms").then(function (data) {
      problem("");
      data.rooms.forEach(show);
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
      return Promise.all(data.rooms.map(function (r) {
        return api("GET", "/api/v1/rooms/" + encodeURIComponent(r.name) + "/history").then(function (h) { chart(r.name, h); });
      }));
    });
  }

  function loop() {
    refresh().catch(function (e) {
      if (e.message !== "unauthorized") { problem("Could not read the admin API: " + e.message); }
    }).then(function () {
      if (token()) { timer = setTimeout(loop, EVERY); }
    });
  }

  function start() {
    $("login").hidden = true;
    $("signout").hidden = false;
    loop();
  }

  $("login").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $("token").value);
    $("token").value = "";
    start();
  });
  $("signout").addEventListener("click", function () { askToken(""); });
  window.addEventListener("resize", function () {
    Object.keys(cards).forEach(function (n) {
      var c = cards[n];
      if (c.charts.line) { c.charts.line.setSize({ width: width(c.lineBox), height: 180 }); }
      if (c.charts.stock) { c.charts.stock.setSize({ width: width(c.stockBox), height: 180 }); }
    });
  });

  if (token()) { start(); } else { askToken(""); }
})();
