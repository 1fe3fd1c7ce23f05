// Node tests of dosp.js's Messenger between two dosp.js clients through real servers (plain S2C and tunnels),
// run by dosp-it's DospJsNetworkIT with DOSP_WS_URLS (one server, or two federated: the two clients on different
// servers). Not part of `node --test test/*.test.js`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { DospClient, Messenger } from '../../src/dosp.js';

const urls = (process.env.DOSP_WS_URLS || '').split(',').filter(Boolean);
if (urls.length === 0) throw new Error('DOSP_WS_URLS is not set: run this through dosp-it (DospJsNetworkIT)');
const WAIT = 30000;
const clients = [];

async function pair(options = {}) {
  const a = await DospClient.connect(urls[0], { heartbeatInterval: 0, reconnect: false, clientInfo: false });
  const b = await DospClient.connect(urls[urls.length - 1], { heartbeatInterval: 0, reconnect: false, clientInfo: false });
  clients.push(a, b);
  return { a, b, ma: new Messenger(a, options), mb: new Messenger(b, options) };
}

function until(cond, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - t0 > WAIT) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10); // polling a counter the other side moves
    };
    tick();
  });
}

test.after(async () => {
  for (const c of clients) await c.close().catch(() => {});
});

for (const tunnel of [false, true]) {
  test(`calls, errors, messages and discovery ${tunnel ? 'through a tunnel' : 'in plain S2C'}`, async () => {
    const { a, b, ma, mb } = await pair({ tunnel });
    mb.method('add', (x, y) => x + y, { params: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }] });
    const notes = [];
    mb.on('note', (n, ctx) => notes.push([n, ctx.secure]));
    assert.equal(await ma.call(b.vip, 'add', [20, 22]), 42);
    await assert.rejects(ma.call(b.vip, 'add', [1, 'x']), (e) => e.code === 'BAD_ARGUMENTS' && e.field === 'b');
    await assert.rejects(ma.call(b.vip, 'nope'), (e) => e.code === 'NO_SUCH_METHOD' && e.remote);
    assert.deepEqual((await ma.discover(b.vip)).methods.map((m) => m.name), ['add']);
    await ma.send(b.vip, 'note', { n: 1 });
    await until(() => notes.length === 1, 'the note');
    assert.deepEqual(notes, [[{ n: 1 }, tunnel]]);
    assert.equal(a.hasTunnel(b.vip), tunnel);
    const many = await Promise.all(Array.from({ length: 100 }, (_, i) => ma.call(b.vip, 'add', [i, 1])));
    assert.deepEqual(many, Array.from({ length: 100 }, (_, i) => i + 1));
  });

  test(`a 2 MiB stream to a slow reader ${tunnel ? 'through a tunnel' : 'in plain S2C'}: bounded by the window, SHA-256 matches`, async () => {
    const window = 64 * 1024;
    const { b, ma, mb } = await pair({ tunnel, streamWindow: window });
    let inbound;
    let maxUnread = 0;
    let consumed = 0;
    const got = createHash('sha256');
    mb.stream('file', async (s) => {
      inbound = s;
      for await (const chunk of s) {
        consumed += chunk.length;
        got.update(chunk);
        maxUnread = Math.max(maxUnread, s.received - consumed);
        await new Promise((r) => setTimeout(r, 1)); // a slow application, not a synchronisation
      }
    });
    const data = randomBytes(2 * 1024 * 1024);
    let lastProgress = 0;
    const res = await ma.sendStream(b.vip, 'file', data, { meta: { name: 'big.bin' }, onProgress: (n) => { lastProgress = n; } });
    const sha = createHash('sha256').update(data).digest('hex');
    assert.deepEqual(res, { bytes: data.length, sha256: sha });
    assert.equal(lastProgress, data.length);
    await inbound.done;
    await until(() => consumed === data.length, 'the reader to finish');
    assert.equal(got.digest('hex'), sha);
    assert.ok(maxUnread <= window, `unread bytes ${maxUnread} within the window ${window}`);
  });
}

test('a call in flight fails PEER_GONE when the callee leaves, and DISCONNECTED when we do', async () => {
  const { a, b, ma, mb } = await pair({ timeout: 600000 });
  await a.watch(b.vip); // across federation the presence watch tells us; on one server PEER_GONE does too
  let arrived = 0;
  mb.method('hang', () => { arrived++; return new Promise(() => {}); });
  const call = ma.call(b.vip, 'hang');
  await until(() => arrived === 1, 'the call');
  const failed = assert.rejects(call, (e) => e.code === 'PEER_GONE');
  await b.close();
  await failed;

  const { a: c, b: d, ma: mc, mb: md } = await pair({ timeout: 600000 });
  md.method('hang', () => new Promise(() => {}));
  const mine = mc.call(d.vip, 'hang');
  const cut = assert.rejects(mine, (e) => e.code === 'DISCONNECTED');
  await c.close();
  await cut;
});
