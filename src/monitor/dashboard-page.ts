// The dashboard's page and script, served as they are (no build step): plain HTML + CSS, and
// vanilla JS that polls `dashboard/data` (relative, so http_base_path works) and keeps the
// counters' recent history in the page for the small charts. Served by dashboard.ts.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tsnats dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ee; --bg: #f6f7fb; --card: #fff; --bad: #c62828; --warn: #b26a00; --ok: #2e7d32; --accent: #2f5fd0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: #1d2330; color: #fff; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { color: #b9c0d0; font-size: 13px; }
  header .status { margin-left: auto; font-size: 12px; color: #b9c0d0; }
  main { padding: 16px 24px 32px; display: grid; gap: 16px; grid-template-columns: repeat(4, minmax(0, 1fr)); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  section.half { grid-column: span 2; }
  section.three { grid-column: span 3; }
  section.one { grid-column: span 1; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 8px; font-weight: 600; }
  .big { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .sub { color: var(--muted); font-size: 12px; }
  .rising { color: var(--bad); }
  svg.chart { width: 100%; height: 44px; display: block; margin-top: 6px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { font-size: 12px; color: var(--muted); font-weight: 600; }
  th.num, td.num { text-align: right; }
  th.sortable { cursor: pointer; color: var(--accent); user-select: none; }
  th.sorted::after { content: " \\25BC"; font-size: 10px; }
  td.name { max-width: 220px; overflow: hidden; text-overflow: ellipsis; }
  .hot { color: var(--bad); font-weight: 600; }
  .warm { color: var(--warn); font-weight: 600; }
  .reason-bad { color: var(--bad); font-weight: 600; }
  .reason-ok { color: var(--muted); }
  .bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; margin-top: 4px; min-width: 80px; }
  .bar > div { height: 100%; background: var(--ok); }
  .bar > div.warn { background: var(--warn); }
  .bar > div.bad { background: var(--bad); }
  .empty { color: var(--muted); padding: 8px; }
  .scroll { max-height: 420px; overflow: auto; }
  .mesh { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 10px; }
  .node { border: 1px solid var(--line); border-radius: 14px; padding: 3px 10px; font-size: 12px; }
  .node.self { background: #1d2330; color: #fff; }
  .node.bad { border-color: var(--bad); color: var(--bad); }
</style>
</head>
<body>
<header>
  <h1>tsnats</h1>
  <span class="meta" id="server">connecting…</span>
  <span class="status" id="status"></span>
</header>
<main>
  <section><h2>Connections</h2><div class="big" id="c-conns">–</div><div class="sub" id="c-conns-sub"></div><svg class="chart" id="h-conns"></svg></section>
  <section><h2>Stale connections</h2><div class="big" id="c-stale">–</div><div class="sub" id="c-stale-sub"></div><svg class="chart" id="h-stale"></svg></section>
  <section><h2>Slow consumers</h2><div class="big" id="c-slow">–</div><div class="sub" id="c-slow-sub"></div><svg class="chart" id="h-slow"></svg></section>
  <section><h2>Stalled clients</h2><div class="big" id="c-stalled">–</div><div class="sub" id="c-stalled-sub"></div><svg class="chart" id="h-stalled"></svg></section>
  <section class="wide">
    <h2>Open connections <span class="sub" id="conns-note"></span></h2>
    <div class="scroll">
    <table id="conns">
      <thead><tr>
        <th class="num">cid</th><th>name</th><th>address</th><th>account / user</th>
        <th class="num sortable" data-sort="idle">idle</th>
        <th class="num sortable" data-sort="rtt">rtt</th>
        <th class="num sortable" data-sort="pending">pending</th>
        <th class="num sortable" data-sort="msgs">msgs in / out</th>
        <th class="num">subs</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    </div>
  </section>
  <section class="wide" id="cluster" hidden>
    <h2>Cluster <span id="cluster-name"></span> <span class="sub" id="cluster-note"></span></h2>
    <div id="mesh" class="mesh"></div>
    <table id="routes">
      <thead><tr>
        <th class="num">rid</th><th>member</th><th>direction</th><th>address</th>
        <th class="num">rtt</th><th class="num">pending</th><th class="num">age</th><th class="num">idle</th>
        <th class="num">msgs in / out</th><th class="num">interest</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="wide" id="jetstream" hidden>
    <h2>JetStream <span class="sub" id="js-note"></span></h2>
    <div class="scroll">
    <table id="js-streams">
      <thead><tr>
        <th>stream</th><th>account</th><th>storage</th><th class="num">messages</th><th class="num">bytes</th>
        <th class="num">sequences</th><th class="num">consumers</th><th>limit use</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    <table id="js-consumers">
      <thead><tr>
        <th>consumer</th><th>stream</th><th>kind</th><th class="num">pending</th><th class="num">ack pending</th>
        <th class="num">redelivered</th><th class="num">waiting</th><th class="num">last delivery</th><th>state</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    </div>
  </section>
  <section class="wide" id="leafnodes" hidden>
    <h2>Leafnodes <span class="sub" id="leaf-note"></span></h2>
    <div id="leaf-remotes" class="mesh"></div>
    <table id="leafs">
      <thead><tr>
        <th class="num">lid</th><th>peer</th><th>role</th><th>account</th><th>address</th>
        <th class="num">rtt</th><th class="num">pending</th><th class="num">age</th><th class="num">idle</th>
        <th class="num">msgs in / out</th><th class="num">interest</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="three">
    <h2>Recent closes</h2>
    <div class="scroll">
    <table id="closed">
      <thead><tr><th>stopped</th><th class="num">cid</th><th>name</th><th>address</th><th>reason</th></tr></thead>
      <tbody></tbody>
    </table>
    </div>
  </section>
  <section class="one">
    <h2>Accounts</h2>
    <table id="accounts">
      <thead><tr><th>account</th><th class="num">connections</th><th>of limit</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script src="dashboard/app.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = String.raw`// tsnats dashboard: polls dashboard/data and renders it. No framework, no build step.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var POLL_MS = Math.max(200, Number(params.get('interval')) || 2000);
  var HISTORY = 150;
  var sort = params.get('sort') || 'idle';
  var samples = [];
  var BENIGN = { 'Client Closed': 1, 'Server Shutdown': 1, 'Kicked': 1 };
  var MIB = 1024 * 1024;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function bytes(n) {
    if (n < 1024) return n + ' B';
    var u = ['KiB', 'MiB', 'GiB', 'TiB'], i = -1;
    do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
    return n.toFixed(1) + ' ' + u[i];
  }
  function dur(ms) {
    if (ms < 1000) return Math.round(ms) + 'ms';
    var s = Math.round(ms / 1000);
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm' + (s % 60) + 's';
    var h = Math.floor(m / 60);
    if (h < 24) return h + 'h' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd' + (h % 24) + 'h';
  }
  function rtt(ms) {
    if (!ms) return '-';
    if (ms < 1) return ms.toFixed(2) + 'ms';
    if (ms < 1000) return (ms < 10 ? ms.toFixed(1) : Math.round(ms)) + 'ms';
    return (ms / 1000).toFixed(1) + 's';
  }
  function time(t) {
    var d = new Date(t);
    return isNaN(d) ? t : d.toLocaleTimeString();
  }

  // A small chart: bars of the increase per refresh (counters), or a line (a gauge).
  function chart(svg, values, bars) {
    var w = svg.clientWidth || 240, h = 44;
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var ns = 'http://www.w3.org/2000/svg';
    var max = Math.max.apply(null, values.concat([1]));
    var step = w / HISTORY;
    var base = document.createElementNS(ns, 'line');
    base.setAttribute('x1', 0); base.setAttribute('x2', w); base.setAttribute('y1', h - 0.5); base.setAttribute('y2', h - 0.5);
    base.setAttribute('stroke', '#e3e6ee');
    svg.appendChild(base);
    var x0 = w - values.length * step;
    if (bars) {
      values.forEach(function (v, i) {
        if (!v) return;
        var r = document.createElementNS(ns, 'rect');
        var bh = Math.max(2, (v / max) * (h - 4));
        r.setAttribute('x', x0 + i * step); r.setAttribute('width', Math.max(1, step - 1));
        r.setAttribute('y', h - bh); r.setAttribute('height', bh); r.setAttribute('fill', '#c62828');
        svg.appendChild(r);
      });
    } else if (values.length > 1) {
      var pts = values.map(function (v, i) { return (x0 + i * step).toFixed(1) + ',' + (h - 2 - (v / max) * (h - 6)).toFixed(1); });
      var p = document.createElementNS(ns, 'polyline');
      p.setAttribute('points', pts.join(' ')); p.setAttribute('fill', 'none'); p.setAttribute('stroke', '#2f5fd0'); p.setAttribute('stroke-width', '1.5');
      svg.appendChild(p);
    }
  }

  function counter(key, label, d) {
    var now = d.counters[key];
    $('c-' + label).textContent = now;
    var deltas = samples.map(function (s, i) { return i === 0 ? 0 : Math.max(0, s[key] - samples[i - 1][key]); });
    var recent = deltas.reduce(function (a, b) { return a + b; }, 0);
    var span = samples.length > 1 ? dur(samples[samples.length - 1].t - samples[0].t) : '';
    var sub = $('c-' + label + '-sub');
    sub.textContent = recent ? '+' + recent + ' in the last ' + span : 'total since start' + (span ? '; none in the last ' + span : '');
    sub.className = 'sub' + (recent ? ' rising' : '');
    chart($('h-' + label), deltas, true);
  }

  function renderConns(d) {
    var tb = document.querySelector('#conns tbody');
    tb.textContent = '';
    var lim = d.server.max_pending;
    d.connections.forEach(function (c) {
      var tr = el('tr');
      tr.dataset.cid = c.cid;
      tr.dataset.idleMs = c.idle_ms;
      tr.dataset.rttMs = c.rtt_ms;
      tr.dataset.pending = c.pending_bytes;
      tr.dataset.msgs = c.in_msgs + c.out_msgs;
      tr.appendChild(el('td', c.cid, 'num'));
      var name = el('td', c.name || '(unnamed)', 'name' + (c.name ? '' : ' reason-ok'));
      name.title = [c.lang, c.version].filter(Boolean).join(' ');
      tr.appendChild(name);
      tr.dataset.type = c.type || '';
      tr.appendChild(el('td', (c.ip ? c.ip + ':' + c.port : '(in-process)') + (c.type === 'websocket' ? ' (ws)' : ''), 'addr'));
      tr.appendChild(el('td', [c.account, c.authorized_user].filter(Boolean).join(' / ') || '-'));
      tr.appendChild(el('td', dur(c.idle_ms), 'num' + (c.idle_ms > 300000 && !c.in_msgs && !c.out_msgs ? ' warm' : '')));
      tr.appendChild(el('td', rtt(c.rtt_ms), 'num' + (c.rtt_ms > 100 ? ' hot' : '')));
      tr.appendChild(el('td', bytes(c.pending_bytes), 'num' + (c.pending_bytes > MIB || (lim && c.pending_bytes > lim / 2) ? ' hot' : c.pending_bytes > 0 ? ' warm' : '')));
      tr.appendChild(el('td', c.in_msgs + ' / ' + c.out_msgs, 'num'));
      tr.appendChild(el('td', c.subscriptions, 'num'));
      tb.appendChild(tr);
    });
    if (!d.connections.length) {
      var tr = el('tr'); var td = el('td', 'no connections', 'empty'); td.colSpan = 9; tr.appendChild(td); tb.appendChild(tr);
    }
    $('conns-note').textContent = d.connections.length < d.counters.connections ? '(the ' + d.connections.length + ' first of ' + d.counters.connections + ')' : '';
    document.querySelectorAll('#conns th.sortable').forEach(function (th) {
      th.classList.toggle('sorted', th.dataset.sort === d.sort);
    });
  }

  function renderClosed(d) {
    var tb = document.querySelector('#closed tbody');
    tb.textContent = '';
    d.closed.forEach(function (c) {
      var tr = el('tr');
      tr.dataset.cid = c.cid;
      tr.appendChild(el('td', time(c.stop)));
      tr.appendChild(el('td', c.cid, 'num'));
      tr.appendChild(el('td', c.name || '(unnamed)', 'name'));
      tr.appendChild(el('td', (c.ip ? c.ip + ':' + c.port : '-') + (c.type === 'websocket' ? ' (ws)' : '')));
      tr.appendChild(el('td', c.reason, BENIGN[c.reason] ? 'reason reason-ok' : 'reason reason-bad'));
      tb.appendChild(tr);
    });
    if (!d.closed.length) {
      var tr = el('tr'); var td = el('td', 'none yet', 'empty'); td.colSpan = 5; tr.appendChild(td); tb.appendChild(tr);
    }
  }

  function renderAccounts(d) {
    var tb = document.querySelector('#accounts tbody');
    tb.textContent = '';
    d.accounts.forEach(function (a) {
      var tr = el('tr');
      tr.dataset.account = a.name;
      tr.appendChild(el('td', a.name));
      tr.appendChild(el('td', a.conns + (a.max_connections > 0 ? ' / ' + a.max_connections : ''), 'num'));
      var td = el('td');
      if (a.max_connections > 0) {
        var pct = Math.min(100, (a.conns / a.max_connections) * 100);
        var bar = el('div', null, 'bar');
        var fill = el('div', null, pct >= 100 ? 'bad' : pct >= 80 ? 'warn' : '');
        fill.style.width = pct + '%';
        bar.appendChild(fill);
        bar.title = Math.round(pct) + '% of the limit';
        td.appendChild(bar);
      } else td.appendChild(el('span', 'no limit', 'sub'));
      tr.appendChild(td);
      tb.appendChild(tr);
    });
  }

  // The cluster: this server, a chip per member it has a route to (red when slow or backed up),
  // and a row per route with its RTT, pending bytes and age.
  function renderCluster(d) {
    var box = $('cluster');
    if (!d.cluster) { box.hidden = true; return; }
    box.hidden = false;
    var c = d.cluster;
    $('cluster-name').textContent = c.name;
    $('cluster-note').textContent = c.routes.length + ' route' + (c.routes.length === 1 ? '' : 's') +
      (c.stale_routes ? ' · ' + c.stale_routes + ' stale' : '') + (c.slow_routes ? ' · ' + c.slow_routes + ' slow' : '');
    var mesh = $('mesh');
    mesh.textContent = '';
    mesh.appendChild(el('span', d.server.name || d.server.id, 'node self'));
    c.routes.forEach(function (r) {
      var bad = r.rtt_ms > 50 || r.pending_bytes > MIB;
      var n = el('span', (r.name || r.remote_id.slice(0, 8)) + ' · ' + rtt(r.rtt_ms), 'node' + (bad ? ' bad' : ''));
      n.title = r.remote_id;
      mesh.appendChild(n);
    });
    var tb = document.querySelector('#routes tbody');
    tb.textContent = '';
    c.routes.forEach(function (r) {
      var tr = el('tr');
      tr.dataset.rid = r.rid;
      tr.appendChild(el('td', r.rid, 'num'));
      var name = el('td', r.name || r.remote_id.slice(0, 12) + '…', 'name');
      name.title = r.remote_id;
      tr.appendChild(name);
      tr.appendChild(el('td', (r.did_solicit ? 'dialled' : 'accepted') + (r.is_configured ? ' (configured)' : r.did_solicit ? ' (gossip)' : '')));
      tr.appendChild(el('td', r.ip + ':' + r.port));
      tr.appendChild(el('td', rtt(r.rtt_ms), 'num' + (r.rtt_ms > 50 ? ' hot' : '')));
      tr.appendChild(el('td', bytes(r.pending_bytes), 'num' + (r.pending_bytes > MIB ? ' hot' : r.pending_bytes > 0 ? ' warm' : '')));
      tr.appendChild(el('td', dur(r.age_ms), 'num'));
      tr.appendChild(el('td', dur(r.idle_ms), 'num'));
      tr.appendChild(el('td', r.in_msgs + ' / ' + r.out_msgs, 'num'));
      tr.appendChild(el('td', r.subscriptions, 'num'));
      tb.appendChild(tr);
    });
    if (!c.routes.length) {
      var tr = el('tr'); var td = el('td', 'no route up', 'empty reason-bad'); td.colSpan = 10; tr.appendChild(td); tb.appendChild(tr);
    }
  }

  // JetStream: streams with how close they are to their limits, consumers with what holds them up
  // (ack pending at max_ack_pending, a push consumer nobody listens to, a pull nobody pulls).
  function limitUse(st) {
    var use = [];
    if (st.max_msgs > 0) use.push(st.messages / st.max_msgs);
    if (st.max_bytes > 0) use.push(st.bytes / st.max_bytes);
    if (st.max_consumers > 0) use.push(st.consumers / st.max_consumers);
    return use.length ? Math.max.apply(null, use) : -1;
  }
  function renderJetStream(d) {
    var box = $('jetstream');
    var j = d.jetstream;
    if (!j) { box.hidden = true; return; }
    box.hidden = false;
    $('js-note').textContent = j.streams.length + ' stream' + (j.streams.length === 1 ? '' : 's') + ' · ' + j.consumers.length + ' consumer' + (j.consumers.length === 1 ? '' : 's') +
      ' · file ' + bytes(j.storage) + (j.max_storage > 0 ? ' of ' + bytes(j.max_storage) : '') + ' · memory ' + bytes(j.memory) + (j.max_memory > 0 ? ' of ' + bytes(j.max_memory) : '') +
      ' · API ' + j.api_total + (j.api_errors ? ' (' + j.api_errors + ' errors)' : '');
    var tb = document.querySelector('#js-streams tbody');
    tb.textContent = '';
    j.streams.forEach(function (st) {
      var tr = el('tr');
      tr.dataset.stream = st.name;
      tr.appendChild(el('td', st.name, 'name'));
      tr.appendChild(el('td', st.account));
      tr.appendChild(el('td', st.storage + (st.retention !== 'limits' ? ' · ' + st.retention : '')));
      tr.appendChild(el('td', st.messages, 'num'));
      tr.appendChild(el('td', bytes(st.bytes), 'num'));
      tr.appendChild(el('td', st.first_seq + '–' + st.last_seq, 'num'));
      tr.appendChild(el('td', st.consumers, 'num'));
      var td = el('td');
      var u = limitUse(st);
      if (u >= 0) {
        var pct = Math.min(100, u * 100);
        var bar = el('div', null, 'bar');
        var fill = el('div', null, pct >= 100 ? 'bad' : pct >= 90 ? 'warn' : '');
        fill.style.width = pct + '%';
        bar.appendChild(fill);
        bar.title = Math.round(pct) + '% of its closest limit (discard ' + st.discard + ')';
        td.appendChild(bar);
      } else td.appendChild(el('span', 'no limit', 'sub'));
      tr.appendChild(td);
      tb.appendChild(tr);
    });
    if (!j.streams.length) {
      var tr = el('tr'); var td = el('td', 'no streams', 'empty'); td.colSpan = 8; tr.appendChild(td); tb.appendChild(tr);
    }
    var cb = document.querySelector('#js-consumers tbody');
    cb.textContent = '';
    j.consumers.forEach(function (c) {
      var tr = el('tr');
      tr.dataset.consumer = c.stream + '/' + c.name;
      tr.appendChild(el('td', c.name + (c.durable ? '' : ' (ephemeral)'), 'name'));
      tr.appendChild(el('td', c.stream));
      tr.appendChild(el('td', c.kind + (c.kind === 'push' ? ' → ' + c.deliver_subject : '') + ' · ack ' + c.ack_policy));
      tr.appendChild(el('td', c.num_pending, 'num' + (c.num_pending > 10000 ? ' hot' : c.num_pending > 0 ? ' warm' : '')));
      var stalled = c.max_ack_pending > 0 && c.num_ack_pending >= c.max_ack_pending;
      tr.appendChild(el('td', c.num_ack_pending + (c.max_ack_pending > 0 ? ' / ' + c.max_ack_pending : ''), 'num' + (stalled ? ' hot' : '')));
      tr.appendChild(el('td', c.num_redelivered, 'num' + (c.num_redelivered > 0 ? ' warm' : '')));
      tr.appendChild(el('td', c.kind === 'pull' ? c.num_waiting : '-', 'num'));
      tr.appendChild(el('td', c.last_delivery_ms < 0 ? 'never' : dur(c.last_delivery_ms) + ' ago', 'num'));
      var state = 'ok', cls = 'reason reason-ok';
      if (stalled) { state = 'stalled at max_ack_pending'; cls = 'reason reason-bad'; }
      else if (c.kind === 'push' && !c.push_bound && c.num_pending > 0) { state = 'no subscriber'; cls = 'reason reason-bad'; }
      else if (c.kind === 'pull' && c.num_waiting === 0 && c.num_pending > 0) { state = 'nobody pulling'; cls = 'reason reason-bad'; }
      else if (c.kind === 'push' && c.push_bound) state = 'bound';
      tr.appendChild(el('td', state, cls));
      cb.appendChild(tr);
    });
    if (!j.consumers.length) {
      var tr2 = el('tr'); var td2 = el('td', 'no consumers', 'empty'); td2.colSpan = 9; tr2.appendChild(td2); cb.appendChild(tr2);
    }
  }

  // Leafnodes: a chip per configured remote (red while it is not connected, with the last error),
  // and a row per leaf connection: to our hub (we dialled) or from a leaf (we are its hub).
  function renderLeafnodes(d) {
    var box = $('leafnodes');
    if (!d.leafnodes) { box.hidden = true; return; }
    box.hidden = false;
    var L = d.leafnodes;
    $('leaf-note').textContent = (L.listen ? 'listening on ' + L.listen + ' · ' : '') + L.leafs.length + ' connection' + (L.leafs.length === 1 ? '' : 's') +
      (L.stale_leafs ? ' · ' + L.stale_leafs + ' stale' : '') + (L.slow_leafs ? ' · ' + L.slow_leafs + ' slow' : '');
    var chips = $('leaf-remotes');
    chips.textContent = '';
    L.remotes.forEach(function (r) {
      var n = el('span', 'remote ' + r.urls.join(' | ') + ' (' + r.account + ') · ' + (r.connected ? 'connected' : 'not connected'), 'node' + (r.connected ? '' : ' bad'));
      if (!r.connected && r.last_error) n.title = r.last_error + (r.failed_attempts ? ' (' + r.failed_attempts + ' attempts)' : '');
      chips.appendChild(n);
    });
    var tb = document.querySelector('#leafs tbody');
    tb.textContent = '';
    L.leafs.forEach(function (l) {
      var tr = el('tr');
      tr.dataset.lid = l.lid;
      tr.appendChild(el('td', l.lid, 'num'));
      tr.appendChild(el('td', (l.name || '?') + (l.cluster && l.cluster !== l.name ? ' / ' + l.cluster : ''), 'name'));
      tr.appendChild(el('td', l.role === 'hub' ? 'our hub (dialled)' : 'leaf of ours (accepted)'));
      tr.appendChild(el('td', l.account));
      tr.appendChild(el('td', l.ip + ':' + l.port));
      tr.appendChild(el('td', rtt(l.rtt_ms), 'num' + (l.rtt_ms > 50 ? ' hot' : '')));
      tr.appendChild(el('td', bytes(l.pending_bytes), 'num' + (l.pending_bytes > MIB ? ' hot' : l.pending_bytes > 0 ? ' warm' : '')));
      tr.appendChild(el('td', dur(l.age_ms), 'num'));
      tr.appendChild(el('td', dur(l.idle_ms), 'num'));
      tr.appendChild(el('td', l.in_msgs + ' / ' + l.out_msgs, 'num'));
      tr.appendChild(el('td', l.subscriptions, 'num'));
      tb.appendChild(tr);
    });
    if (!L.leafs.length) {
      var tr = el('tr'); var td = el('td', 'no leaf connection', 'empty' + (L.remotes.length ? ' reason-bad' : '')); td.colSpan = 11; tr.appendChild(td); tb.appendChild(tr);
    }
  }

  function render(d) {
    var s = d.server;
    $('server').textContent = (s.name || s.id) + ' · v' + s.version + ' · up ' + s.uptime + ' · keepalive ' + dur(s.ping_interval_ms) + ' × ' + (s.ping_max + 1);
    $('c-conns').textContent = d.counters.connections;
    $('c-conns-sub').textContent = 'of max ' + s.max_connections + ' · ' + d.counters.total_connections + ' since start' +
      (d.counters.websocket_connections ? ' · ' + d.counters.websocket_connections + ' over WebSocket' : '');
    chart($('h-conns'), samples.map(function (h) { return h.connections; }), false);
    counter('stale_connections', 'stale', d);
    counter('slow_consumers', 'slow', d);
    counter('stalled_clients', 'stalled', d);
    renderConns(d);
    renderClosed(d);
    renderAccounts(d);
    renderCluster(d);
    renderJetStream(d);
    renderLeafnodes(d);
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ' · every ' + dur(POLL_MS);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  var timer = null;
  function poll() {
    clearTimeout(timer);
    fetch('dashboard/data?sort=' + encodeURIComponent(sort), { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (d) {
        var c = d.counters;
        samples.push({ t: Date.now(), connections: c.connections, stale_connections: c.stale_connections, slow_consumers: c.slow_consumers, stalled_clients: c.stalled_clients });
        if (samples.length > HISTORY) samples.shift();
        render(d);
      })
      .catch(function (e) { $('status').textContent = 'cannot reach the server: ' + e.message; })
      .then(function () { timer = setTimeout(poll, POLL_MS); });
  }

  document.querySelectorAll('#conns th.sortable').forEach(function (th) {
    th.addEventListener('click', function () {
      sort = th.dataset.sort;
      var u = new URL(location.href);
      u.searchParams.set('sort', sort);
      window.history.replaceState(null, '', u);
      poll();
    });
  });
  poll();
})();
`;
