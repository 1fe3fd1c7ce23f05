// The DoSP monitoring dashboard. Plain JS, no libraries, nothing loaded from elsewhere.
// Every string from the server is put into the page with textContent (never as HTML).
// The admin token lives in the variable below only: never in the address, never in storage.
'use strict';
(function () {
  const HISTORY = 120;
  const PAGE = 50;
  let token = '';
  let last = null;            // the previous snapshot's counters, for rates
  const series = { pin: [], pout: [], bin: [], bout: [], clients: [] };
  let offset = 0;
  let streamAbort = null;
  let pollTimer = null;
  let clientsBusy = false;

  const $ = (id) => document.getElementById(id);

  function authHeaders() {
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  function say(text, kind) {
    const m = $('message');
    m.textContent = text;
    m.className = kind || 'muted';
  }

  function fmtNum(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(1) + ' G';
    if (n >= 1e6) return (n / 1e6).toFixed(1) + ' M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + ' k';
    return String(Math.round(n * 10) / 10);
  }

  function fmtBytes(n) {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(1)) + ' ' + u[i];
  }

  function fmtDuration(s) {
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function push(arr, v) {
    arr.push(v);
    if (arr.length > HISTORY) arr.shift();
  }

  // ---- charts: a hand-made line chart on a canvas ----
  function draw(canvasId, lines) {
    const c = $(canvasId);
    const ratio = window.devicePixelRatio || 1;
    const w = c.clientWidth || c.width, h = c.clientHeight || c.height;
    if (c.width !== Math.round(w * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(h * ratio); }
    const g = c.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    let max = 1;
    lines.forEach((l) => l.data.forEach((v) => { if (v > max) max = v; }));
    g.strokeStyle = '#e3e3e0';
    g.fillStyle = '#6b7280';
    g.font = '10px system-ui, sans-serif';
    for (let i = 0; i <= 2; i++) {
      const y = 4 + (h - 16) * i / 2;
      g.beginPath(); g.moveTo(0, y); g.lineTo(w, y); g.stroke();
      g.fillText(fmtNum(max * (2 - i) / 2), 2, y + 10);
    }
    lines.forEach((l) => {
      g.strokeStyle = l.color;
      g.lineWidth = 1.5;
      g.setLineDash(l.dash || []);
      g.beginPath();
      l.data.forEach((v, i) => {
        const x = w - (l.data.length - 1 - i) * (w / (HISTORY - 1));
        const y = 4 + (h - 16) * (1 - v / max);
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    });
    g.setLineDash([]);
  }

  // ---- a snapshot: cards, charts, drops, peers, routes ----
  function onSnapshot(snap) {
    const s = snap.server;
    const t = Date.parse(snap.time) / 1000;
    $('template').textContent = s.template + (s.port ? ' on port ' + s.port : '');
    const st = $('status');
    st.textContent = s.listening ? 'listening' : 'not listening';
    st.className = 'pill ' + (s.listening ? 'ok' : 'bad');
    $('uptime').textContent = 'up ' + fmtDuration(s.uptimeSeconds);
    const dropsTotal = Object.values(s.drops).reduce((a, b) => a + b, 0);
    if (last && t > last.t) {
      const dt = t - last.t;
      const r = (k) => Math.max(0, (s[k] - last.s[k]) / dt);
      push(series.pin, r('packetsIn'));
      push(series.pout, r('packetsOut'));
      push(series.bin, r('bytesIn'));
      push(series.bout, r('bytesOut'));
      $('stat-pin').textContent = fmtNum(r('packetsIn'));
      $('stat-pout').textContent = fmtNum(r('packetsOut'));
      $('stat-bin').textContent = fmtBytes(r('bytesIn'));
      $('stat-bout').textContent = fmtBytes(r('bytesOut'));
    }
    push(series.clients, s.clients);
    $('stat-clients').textContent = String(s.clients);
    $('stat-paused').textContent = String(s.flow.sendersPaused);
    $('stat-memory').textContent = fmtBytes(s.flow.memoryInUse);
    $('stat-drops').textContent = fmtNum(dropsTotal);
    draw('chart-packets', [{ data: series.pin, color: '#2563eb' }, { data: series.pout, color: '#d97706', dash: [5, 3] }]);
    draw('chart-bytes', [{ data: series.bin, color: '#2563eb' }, { data: series.bout, color: '#d97706', dash: [5, 3] }]);
    draw('chart-clients', [{ data: series.clients, color: '#15803d' }]);
    drops(s.drops, last && t > last.t ? { prev: last.s.drops, dt: t - last.t } : null);
    peers(snap.peers);
    routes(snap.routes);
    last = { t: t, s: s };
    refreshClients();
  }

  function drops(d, delta) {
    const body = $('drops').tBodies[0];
    body.replaceChildren();
    const nonZero = Object.keys(d).filter((k) => d[k] > 0).sort((a, b) => d[b] - d[a]);
    const max = nonZero.length ? d[nonZero[0]] : 1;
    nonZero.forEach((k) => {
      const tr = document.createElement('tr');
      tr.dataset.reason = k;
      cell(tr, k.replace(/_/g, ' '));
      cell(tr, String(d[k]));
      cell(tr, delta ? fmtNum(Math.max(0, (d[k] - (delta.prev[k] || 0)) / delta.dt)) : '');
      const bar = cell(tr, '', 'bar');
      const div = document.createElement('div');
      div.style.width = (100 * d[k] / max) + '%';
      bar.appendChild(div);
      body.appendChild(tr);
    });
    $('drops-none').hidden = nonZero.length > 0;
  }

  function peers(list) {
    const body = $('peers').tBodies[0];
    body.replaceChildren();
    list.forEach((p) => {
      const tr = document.createElement('tr');
      cell(tr, p.address);
      cell(tr, p.state, p.state === 'UP' ? '' : 'muted');
      cell(tr, p.mode);
      cell(tr, String(p.routesVia));
      cell(tr, String(p.forwarded));
      cell(tr, String(p.dropped));
      body.appendChild(tr);
    });
    $('peers-none').hidden = list.length > 0;
  }

  function routes(list) {
    const body = $('routes').tBodies[0];
    body.replaceChildren();
    list.forEach((r) => {
      const tr = document.createElement('tr');
      cell(tr, r.template);
      cell(tr, String(r.hops));
      cell(tr, r.via);
      cell(tr, r.owner + (r.static ? ' (static)' : ''));
      body.appendChild(tr);
    });
    $('routes-none').hidden = list.length > 0;
  }

  // ---- the clients table ----
  function clientsQuery() {
    const q = new URLSearchParams({ offset: String(offset), limit: String(PAGE) });
    const vip = $('filter-vip').value.trim();
    if (vip) q.set('vip', vip);
    if ($('filter-admin').value) q.set('admin', $('filter-admin').value);
    if ($('filter-compression').value) q.set('compression', $('filter-compression').value);
    return '/api/clients?' + q.toString();
  }

  async function refreshClients() {
    if (clientsBusy) return;
    clientsBusy = true;
    try {
      const res = await fetch(clientsQuery(), { headers: authHeaders(), cache: 'no-store' });
      if (!res.ok) {
        const e = await res.json().catch(() => ({ error: res.statusText }));
        say('Clients: ' + e.error, 'error');
        return;
      }
      const page = await res.json();
      if (page.total > 0 && offset >= page.total) {
        offset = Math.max(0, (Math.ceil(page.total / PAGE) - 1) * PAGE);
      }
      renderClients(page);
    } catch (e) {
      // the stream's handler reports the connection state
    } finally {
      clientsBusy = false;
    }
  }

  // Rows are kept per vIP and updated in place, so a button does not vanish under the pointer when a snapshot
  // arrives; the table is only re-ordered when the page holds other clients or another order.
  const rows = new Map();

  function clientRow(c) {
    let tr = rows.get(c.vip);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.vip = c.vip;
      for (let i = 0; i < 10; i++) cell(tr, '', i === 0 ? 'vip' : '');
      const actions = cell(tr, '');
      const kick = document.createElement('button');
      kick.type = 'button';
      kick.className = 'kick';
      kick.textContent = 'Kick';
      kick.addEventListener('click', () => act(c.vip, 'kick'));
      actions.appendChild(kick);
      rows.set(c.vip, tr);
    }
    const texts = [c.vip, c.remote, new Date(c.connectedSince).toLocaleString(), c.admin ? 'yes' : '',
      c.compression ? 'on' : '', c.hash ? (c.hash.length > 12 ? c.hash.slice(0, 12) + '…' : c.hash) : '–',
      fmtNum(c.packetsIn), fmtNum(c.packetsOut), fmtBytes(c.bytesIn), fmtBytes(c.bytesOut)];
    texts.forEach((t, i) => { if (tr.cells[i].textContent !== t) tr.cells[i].textContent = t; });
    const actions = tr.cells[10];
    if (c.hash && !actions.querySelector('button.ban')) {
      const ban = document.createElement('button');
      ban.type = 'button';
      ban.className = 'ban';
      ban.textContent = 'Ban';
      ban.addEventListener('click', () => act(c.vip, 'ban'));
      actions.appendChild(ban);
    }
    return tr;
  }

  function renderClients(page) {
    const body = $('clients').tBodies[0];
    const wanted = page.clients.map(clientRow);
    const keep = new Set(page.clients.map((c) => c.vip));
    for (const vip of Array.from(rows.keys())) {
      if (!keep.has(vip)) rows.delete(vip);
    }
    const same = body.rows.length === wanted.length && wanted.every((tr, i) => body.rows[i] === tr);
    if (!same) body.replaceChildren(...wanted);
    const end = Math.min(page.total, offset + page.clients.length);
    $('clients-count').textContent = '(' + page.total + (page.total === 1 ? ' match)' : ' matching)');
    $('page').textContent = page.total ? (offset + 1) + '–' + end + ' of ' + page.total : '';
    $('page-prev').disabled = offset === 0;
    $('page-next').disabled = end >= page.total;
  }

  async function act(vip, action) {
    if (!token) {
      say('Enter the admin token first: ' + action + ' always needs it.', 'error');
      $('token').focus();
      return;
    }
    const question = action === 'kick' ? 'Kick ' + vip + '? It gets EXIT "Disconnected by admin".'
      : 'Ban ' + vip + '? Its client hash is banned and it is disconnected.';
    if (!window.confirm(question)) return;
    try {
      const res = await fetch('/api/clients/' + encodeURIComponent(vip) + '/' + action,
        { method: 'POST', headers: authHeaders(), cache: 'no-store' });
      const body = await res.json().catch(() => ({ error: res.statusText }));
      if (res.ok) {
        say((action === 'kick' ? 'Kicked ' : 'Banned and disconnected ') + vip + '.', 'done');
      } else {
        say(action + ' ' + vip + ' failed: ' + body.error, 'error');
      }
    } catch (e) {
      say(action + ' ' + vip + ' failed: ' + e, 'error');
    }
    refreshClients();
  }

  // ---- live data: the event stream read with fetch (so the token goes in a header), polling as a fallback ----
  async function stream() {
    stopLive();
    const abort = new AbortController();
    streamAbort = abort;
    try {
      const res = await fetch('/api/events', { headers: authHeaders(), cache: 'no-store', signal: abort.signal });
      if (!res.ok) {
        const e = await res.json().catch(() => ({ error: res.statusText }));
        if (res.status === 401 || res.status === 403 || res.status === 429) {
          say(e.error + (res.status === 401 ? ' (enter the admin token above)' : ''), 'error');
          setStatus('no access', 'bad');
          return;
        }
        startPolling();
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) onSnapshot(JSON.parse(data));
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return;
    }
    if (streamAbort === abort) {
      setStatus('disconnected, retrying…', 'bad');
      setTimeout(stream, 3000);
    }
  }

  function setStatus(text, kind) {
    const st = $('status');
    st.textContent = text;
    st.className = 'pill ' + kind;
  }

  function startPolling() {
    say('Live stream unavailable: polling every 2 s.', 'muted');
    const poll = async () => {
      try {
        const [s, p, r] = await Promise.all(['/api/server', '/api/peers', '/api/routes'].map((u) =>
          fetch(u, { headers: authHeaders(), cache: 'no-store' }).then((x) => x.ok ? x.json() : Promise.reject(x.status))));
        onSnapshot({ time: new Date().toISOString(), server: s, peers: p.peers, routes: r.routes });
      } catch (e) {
        setStatus('unreachable', 'bad');
      }
    };
    poll();
    pollTimer = setInterval(poll, 2000);
  }

  function stopLive() {
    if (streamAbort) { const a = streamAbort; streamAbort = null; a.abort(); }
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    $('token').placeholder = token ? 'token set (kept in memory only)' : 'needed for kick and ban';
    say(token ? 'Token set for this page (memory only).' : 'No token.', 'muted');
    stream();
  });
  $('token-forget').addEventListener('click', () => {
    token = '';
    $('token').placeholder = 'needed for kick and ban';
    say('Token forgotten.', 'muted');
    stream();
  });
  $('filter').addEventListener('submit', (ev) => { ev.preventDefault(); offset = 0; refreshClients(); });
  ['filter-vip', 'filter-admin', 'filter-compression'].forEach((id) =>
    $(id).addEventListener('input', () => { offset = 0; refreshClients(); }));
  $('page-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); refreshClients(); });
  $('page-next').addEventListener('click', () => { offset += PAGE; refreshClients(); });

  stream();
}());
