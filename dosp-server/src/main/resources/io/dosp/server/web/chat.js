// The web chat: who is online (GCL), messages in and out, tunnels with one click. Plain DOM, no framework;
// every peer-controlled string reaches the page through textContent only.
import { DospClient, printable } from './dosp.js';

const $ = (id) => document.getElementById(id);
const MAX_ERRORS = 5;
const MAX_MESSAGES = 500;
const REFRESH_MS = 5000;

const chat = {
  client: null,
  online: [],
  /** vip -> {messages: [], unread: number} */
  conversations: new Map(),
  current: null,
  refreshTimer: null,
};
window.dospChat = chat; // for the curious (and the console)

function defaultServer() {
  const q = new URLSearchParams(location.search).get('server');
  if (q) return q;
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  }
  return 'ws://localhost:7745/';
}

function showError(message) {
  const box = $('errors');
  const div = document.createElement('div');
  div.className = 'error';
  const text = document.createElement('span');
  text.textContent = printable(message, 400);
  const close = document.createElement('button');
  close.type = 'button';
  close.title = 'Dismiss';
  close.textContent = '\u00d7';
  close.addEventListener('click', () => div.remove());
  div.append(text, close);
  box.append(div);
  while (box.children.length > MAX_ERRORS) box.firstElementChild.remove();
}

function conversation(vip) {
  let c = chat.conversations.get(vip);
  if (!c) {
    c = { messages: [], unread: 0 };
    chat.conversations.set(vip, c);
  }
  return c;
}

function addMessage(vip, entry) {
  const c = conversation(vip);
  entry.time = new Date();
  c.messages.push(entry);
  if (c.messages.length > MAX_MESSAGES) c.messages.shift();
  if (vip !== chat.current && entry.dir === 'in') c.unread++;
  render();
  return entry;
}

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

async function connect(url) {
  if (chat.client) await chat.client.close().catch(() => {});
  setStatus('connecting', 'connecting\u2026');
  let client;
  try {
    client = new DospClient(url);
  } catch (e) {
    setStatus('closed', 'not connected');
    showError(e.message);
    return;
  }
  chat.client = client;
  client.on('message', (m) => addMessage(m.from, { dir: 'in', text: m.text, secure: m.secure }));
  client.on('broadcast', (b) => showError(`Broadcast from the server: ${b.text}`));
  client.on('error', (e) => {
    if (e.codeName === 'S2CF' && e.dst) {
      const c = conversation(e.dst);
      const last = [...c.messages].reverse().find((m) => m.dir === 'out' && !m.failed);
      if (last) last.failed = true;
      showError(`Could not deliver to ${e.dst}${e.reason ? `: ${e.reason}` : ' (nobody holds that vIP)'}`);
      render();
    } else {
      showError(e.message);
    }
  });
  client.on('tunnel', (t) => {
    const text = t.state === 'open' ? `End-to-end encrypted tunnel open (${t.reason})`
      : t.state === 'replaced' ? 'The peer started a new tunnel handshake; new keys are in use'
        : `Tunnel ended: ${t.reason}. The next message opens a new one.`;
    addMessage(t.peer, { dir: 'system', text });
  });
  client.on('tunnelrejected', (r) => showError(`A message from ${r.peer} failed its integrity check and was dropped (${r.reason})`));
  client.on('open', (o) => {
    setStatus('open', `connected${client.compression ? ' (compressed)' : ''}`);
    $('my-vip').textContent = o.vip;
    refresh();
  });
  client.on('reconnecting', (r) => setStatus('reconnecting', `reconnecting (attempt ${r.attempt})\u2026`));
  client.on('close', (c) => {
    if (c.reconnect) {
      setStatus('reconnecting', 'connection lost, reconnecting\u2026');
      showError(`Connection lost: ${c.reason}`);
    } else if (client === chat.client) {
      setStatus('closed', 'disconnected');
      if (c.serverReason !== null || !/closed by this side/.test(c.reason)) showError(`Disconnected: ${c.reason}`);
      $('refresh').disabled = true;
    }
    render();
  });
  try {
    await client.open();
  } catch (e) {
    setStatus('closed', 'not connected');
    showError(`Could not connect to ${url}: ${e.message}`);
    return;
  }
  $('connect').hidden = true;
  $('disconnect').hidden = false;
  $('refresh').disabled = false;
  clearInterval(chat.refreshTimer);
  chat.refreshTimer = setInterval(refresh, REFRESH_MS);
}

async function refresh() {
  const c = chat.client;
  if (!c || c.state !== 'open') return;
  try {
    chat.online = await c.clients();
  } catch (e) {
    showError(`Could not get the list of clients: ${e.message}`);
  }
  render();
}

function select(vip) {
  chat.current = vip;
  conversation(vip).unread = 0;
  render();
  $('text').focus();
}

function render() {
  const c = chat.client;
  const me = c ? c.vip : null;
  // Peers: who is online, and whoever we have talked to.
  const list = $('peers');
  list.replaceChildren();
  const vips = new Set(chat.online.filter((v) => v !== me));
  for (const v of chat.conversations.keys()) vips.add(v);
  for (const v of [...vips].sort(compareVip)) {
    const li = document.createElement('li');
    li.dataset.vip = v;
    li.dataset.online = String(chat.online.includes(v));
    if (v === chat.current) li.setAttribute('aria-current', 'true');
    const name = document.createElement('span');
    name.textContent = v;
    li.append(name);
    if (c && c.hasTunnel(v)) {
      const lock = document.createElement('span');
      lock.className = 'lock';
      lock.title = 'end-to-end encrypted';
      lock.setAttribute('aria-label', 'end-to-end encrypted');
      li.append(lock);
    }
    if (!chat.online.includes(v)) {
      const off = document.createElement('span');
      off.className = 'hint';
      off.textContent = 'not listed';
      off.title = 'not in this server\'s list of clients: offline, or on another server';
      li.append(off);
    }
    const unread = chat.conversations.get(v)?.unread || 0;
    if (unread > 0) {
      const u = document.createElement('span');
      u.className = 'unread';
      u.textContent = String(unread);
      li.append(u);
    }
    li.addEventListener('click', () => select(v));
    list.append(li);
  }
  $('peers-empty').hidden = vips.size > 0;

  // The conversation.
  const conv = $('conversation');
  const peer = chat.current;
  conv.hidden = peer === null;
  $('welcome').hidden = peer !== null;
  if (peer === null) return;
  const secure = !!(c && c.hasTunnel(peer));
  conv.dataset.peer = peer;
  conv.dataset.secure = String(secure);
  $('peer-vip').textContent = peer;
  const badge = $('e2e-badge');
  badge.className = `badge ${secure ? 'secure' : 'plain'}`;
  badge.textContent = secure ? 'End-to-end encrypted' : 'Not encrypted: the server can read these messages';
  $('encrypt').hidden = secure;
  const ol = $('messages');
  ol.replaceChildren();
  for (const m of conversation(peer).messages) {
    const li = document.createElement('li');
    li.className = `msg ${m.dir}${m.failed ? ' failed' : ''}`;
    if (m.dir !== 'system') li.dataset.secure = String(!!m.secure);
    li.dataset.dir = m.dir;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `${m.dir === 'out' ? 'you' : m.dir === 'in' ? peer : ''} ${m.time.toLocaleTimeString()}`;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = m.text;
    li.append(meta, body);
    ol.append(li);
  }
  ol.scrollTop = ol.scrollHeight;
}

function compareVip(a, b) {
  const n = (v) => v.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  return n(a) - n(b);
}

async function send(text) {
  const c = chat.client;
  const peer = chat.current;
  if (!c || !peer || text === '') return;
  const entry = addMessage(peer, { dir: 'out', text, secure: c.hasTunnel(peer) });
  try {
    entry.secure = await c.send(peer, text);
  } catch (e) {
    entry.failed = true;
    showError(`Not sent to ${peer}: ${e.message}`);
  }
  render();
}

$('connect-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  connect($('server-url').value.trim());
});
$('disconnect').addEventListener('click', async () => {
  clearInterval(chat.refreshTimer);
  if (chat.client) await chat.client.close();
  $('connect').hidden = false;
  $('disconnect').hidden = true;
});
$('refresh').addEventListener('click', refresh);
$('direct-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const v = $('direct-vip').value.trim();
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) {
    showError(`Not a vIP: ${v}`);
    return;
  }
  $('direct-vip').value = '';
  select(v);
});
$('compose').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $('text');
  const text = input.value;
  input.value = '';
  send(text);
});
$('encrypt').addEventListener('click', async () => {
  const c = chat.client;
  const peer = chat.current;
  if (!c || !peer) return;
  const button = $('encrypt');
  button.disabled = true;
  button.textContent = 'Opening tunnel\u2026';
  try {
    await c.openTunnel(peer);
  } catch (e) {
    showError(`Could not open a tunnel with ${peer}: ${e.message}`);
  } finally {
    button.disabled = false;
    button.textContent = 'Encrypt (open a tunnel)';
    render();
  }
});

$('server-url').value = defaultServer();
render();
if (new URLSearchParams(location.search).get('autoconnect') !== '0' && location.protocol.startsWith('http')) {
  connect($('server-url').value);
}
