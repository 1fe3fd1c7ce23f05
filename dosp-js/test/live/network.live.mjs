// Node tests of dosp.js's groups, names, presence and network views against a real server of this project.
// Not part of `node --test test/*.test.js` (they need a server): dosp-it's DospJsNetworkIT starts DospServer(s) with
// a WebSocket port and runs `node --experimental-websocket --test test/live/network.live.mjs` with
// DOSP_WS_URLS=ws://...[,ws://...] (two URLs: two federated servers; clients are spread over them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DospClient, Messenger } from '../../src/dosp.js';

const urls = (process.env.DOSP_WS_URLS || '').split(',').filter(Boolean);
if (urls.length === 0) throw new Error('DOSP_WS_URLS is not set: run this through dosp-it (DospJsNetworkIT)');
const WAIT = 30000;

const clients = [];
async function client(i) {
  const c = await DospClient.connect(urls[i % urls.length], { heartbeatInterval: 0, reconnect: false, clientInfo: false });
  clients.push(c);
  return c;
}

/** Events of one type on a client, with a wait for a condition on them. */
function recorder(c, type) {
  const events = [];
  let wake = null;
  c.on(type, (d) => { events.push(d); if (wake) wake(); });
  events.until = (cond, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(events.map(plain))}`)), WAIT);
    const check = () => {
      if (cond(events)) { clearTimeout(timer); wake = null; resolve(events); } else wake = check;
    };
    check();
  });
  return events;
}
const plain = (e) => ('data' in e ? { group: e.group, from: e.from, text: e.text } : e);

/** Until a condition on the server's answers holds (a remote server learns of a change a moment later). */
async function eventually(fn, cond, what) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (cond(v)) return v;
    if (Date.now() - t0 > WAIT) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50)); // polling a remote view, not standing in for an event
  }
}

test.after(async () => {
  for (const c of clients) await c.close().catch(() => {});
});

test('the server enables the four network features (and peer-gone) on the WebSocket', async () => {
  const c = await client(0);
  for (const f of ['groups', 'names', 'presence', 'network', 'peer-gone']) assert.ok(c.extensions.has(f), `${f} in ${[...c.extensions]}`);
});

test('groups: a message reaches every other member exactly once, members are listed, leave works', async () => {
  const [a, b, s] = [await client(0), await client(1), await client(2)];
  const ga = recorder(a, 'groupmessage');
  const gb = recorder(b, 'groupmessage');
  const gs = recorder(s, 'groupmessage');
  await a.join('team-1');
  await b.join('team-1');
  await s.join('team-1');
  await a.join('team-1'); // joining again is OK
  const expected = [a.vip, b.vip, s.vip].sort((x, y) => ipNum(x) - ipNum(y));
  await eventually(() => s.members('team-1'), (m) => m.length === 3, 'three members everywhere');
  assert.deepEqual(await a.members('team-1'), expected);
  const r = await s.sendToGroup('team-1', 'hello team');
  assert.equal(r.members, 2);
  assert.match(r.messageId, /^[0-9a-f]{32}$/);
  for (const g of [ga, gb]) {
    await g.until((ev) => ev.length >= 1, 'the group message');
    assert.deepEqual(g.map(plain), [{ group: 'team-1', from: s.vip, text: 'hello team' }]);
    assert.equal(g[0].id, r.messageId);
  }
  await b.leave('team-1');
  await assert.rejects(b.leave('team-1'), (e) => e.kind === 'network' && e.status === 'NOT_MEMBER');
  await eventually(() => s.members('team-1'), (m) => m.length === 2, 'two members after the leave');
  const r2 = await a.sendToGroup('team-1', 'second');
  assert.equal(r2.members, 1);
  await gs.until((ev) => ev.some((e) => e.text === 'second'), 'the second message');
  assert.equal(gb.length, 1, 'b left: it gets nothing more');
  assert.equal(gs.length, 1, 'the sender of the first message did not get its own');
  await assert.rejects(a.join('Bad Group'), (e) => e.kind === 'argument');
});

test('names: unique on the network, resolved from any server, unregistered, re-claimed with the token', async () => {
  const [a, b] = [await client(0), await client(1)];
  const token = await a.registerName('printer-1');
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.equal(await a.registerName('printer-1'), token); // again: the same token
  await eventually(() => b.resolve('printer-1').catch((e) => e.status), (v) => v === a.vip, 'the name everywhere');
  await assert.rejects(b.registerName('printer-1'), (e) => e.kind === 'network' && e.status === 'TAKEN');
  await assert.rejects(b.resolve('nobody-here'), (e) => e.status === 'NOT_FOUND');
  const names = await b.networkNames();
  assert.ok(names.some((n) => n.name === 'printer-1' && n.vip === a.vip), JSON.stringify(names));
  await a.unregisterName('printer-1');
  await assert.rejects(a.unregisterName('printer-1'), (e) => e.status === 'NOT_FOUND');
  await eventually(() => b.registerName('printer-1').then(() => 'ok', (e) => e.status), (v) => v === 'ok', 'b to get the freed name');
  await eventually(() => a.resolve('printer-1').catch((e) => e.status), (v) => v === b.vip, 'b as the holder everywhere');

  // a holder that goes: its name is held for the grace period; the token re-claims it from another connection
  const gone = await client(0);
  const lampToken = await gone.registerName('lamp-1');
  await eventually(() => b.resolve('lamp-1').catch((e) => e.status), (v) => v === gone.vip, 'lamp-1 everywhere');
  await gone.close();
  await eventually(() => b.resolve('lamp-1').catch((e) => e.status), (v) => v === 'NOT_FOUND', 'lamp-1 held, not resolvable');
  await assert.rejects(b.registerName('lamp-1'), (e) => e.status === 'TAKEN');
  const back = await client(0);
  assert.equal(await back.registerName('lamp-1', lampToken), lampToken);
  await eventually(() => b.resolve('lamp-1').catch((e) => e.status), (v) => v === back.vip, 'lamp-1 re-claimed');
});

test('presence: a watch gets the current state, then joined/left with reasons; a call to a vIP that left fails PEER_GONE', async () => {
  const [w, x] = [await client(0), await client(1)];
  const ev = recorder(w, 'presence');
  await x.join('crew');
  await eventually(() => w.members('crew'), (m) => m.includes(x.vip), 'x in crew');
  await w.watch({ group: 'crew' });
  await w.watch(x.vip);
  await ev.until((e) => e.some((d) => d.target.group === 'crew' && d.event === 'joined' && d.vip === x.vip)
    && e.some((d) => d.target.vip === x.vip && d.event === 'joined'), 'the current state');
  await w.watch({ name: 'lamp-w' });
  await x.registerName('lamp-w');
  await ev.until((e) => e.some((d) => d.target.name === 'lamp-w' && d.event === 'joined' && d.vip === x.vip), 'the name got a holder');
  await x.unregisterName('lamp-w');
  await ev.until((e) => e.some((d) => d.target.name === 'lamp-w' && d.event === 'left' && d.reason === 'requested'), 'the name was given up');
  await x.leave('crew');
  await ev.until((e) => e.some((d) => d.target.group === 'crew' && d.event === 'left' && d.reason === 'requested'), 'left the group');

  const m = new Messenger(w, { timeout: 600000 });
  const mx = new Messenger(x);
  let arrived = false;
  mx.method('hang', () => { arrived = true; return new Promise(() => {}); });
  const call = m.call(x.vip, 'hang', []);
  await eventually(async () => arrived, (v) => v, 'the call to arrive');
  const failed = assert.rejects(call, (e) => e.code === 'PEER_GONE'); // may fail before close() resolves
  await x.close();
  await failed;
  await ev.until((e) => e.some((d) => d.target.vip === x.vip && d.event === 'left' && d.reason === 'left'), 'x left');
  m.close();
});

test('network views list clients and groups of every server', async () => {
  const [a, b] = [await client(0), await client(1)];
  await b.join('view-group');
  const all = await eventually(() => a.networkClients(), (l) => l.some((c) => c.vip === b.vip), 'b in the network view');
  assert.ok(all.some((c) => c.vip === a.vip));
  const groups = await eventually(() => a.networkGroups(), (l) => l.some((g) => g.group === 'view-group'), 'the group in the view');
  assert.equal(groups.find((g) => g.group === 'view-group').members, 1);
});

function ipNum(v) {
  return v.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}
