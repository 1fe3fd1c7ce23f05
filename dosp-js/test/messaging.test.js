import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import {
  encodeEnvelope, decodeEnvelope, isEnvelope, Sha256, Messenger, MessagingError, DospError, EnvelopeKind,
  ContentType, FLAG_REPLY, encodeBody, decodeBody, toHex, fromHex,
} from '../src/dosp.js';

const vectorsPath = new URL('../../docs/envelope-vectors.json', import.meta.url);
const envelopeVectors = JSON.parse(readFileSync(vectorsPath, 'utf8'));

/**
 * An in-memory "server" for Messenger tests: clients with the DospClient surface Messenger uses (send, sendSecure,
 * on 'message' / 'error' / 'close'). Delivery is asynchronous and in order; a send to a vIP nobody holds is
 * answered as a DoSP server does, with an 'error' event ERR S2CF naming the destination.
 */
class Hub {
  constructor() { this.clients = new Map(); this.delivered = 0; this.bytes = 0; }
  client(vip) { const c = new PipeClient(this, vip); this.clients.set(vip, c); return c; }
}

class PipeClient extends EventTarget {
  constructor(hub, vip) { super(); this.hub = hub; this.vip = vip; this.hold = null; }
  on(type, fn) { const h = (e) => fn(e.detail); this.addEventListener(type, h); return () => this.removeEventListener(type, h); }
  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  send(vip, data) { return this._deliver(vip, data, false); }
  sendSecure(vip, data) { return this._deliver(vip, data, true); }
  async _deliver(vip, data, secure) {
    if (this.closed) throw new DospError('closed', 'not connected (closed)');
    const copy = Uint8Array.from(data);
    setImmediate(() => {
      const to = this.hub.clients.get(vip);
      if (!to || to.closed) {
        this.emit('error', new DospError('server', `server error: S2CF: ${vip}: no such client`, { codeName: 'S2CF', dst: vip, reason: 'no such client' }));
        return;
      }
      if (to.hold) { to.hold.push({ from: this.vip, data: copy, secure }); return; }
      this.hub.delivered++;
      this.hub.bytes += copy.length;
      to.emit('message', { from: this.vip, to: vip, data: copy, secure });
    });
  }
  /** The connection ends: DospClient emits 'close'. */
  drop() { this.closed = true; this.emit('close', { reason: 'connection lost', reconnect: false }); }
  /** The peer vanishes without a word (its later S2C fail with S2CF). */
  vanish() { this.hub.clients.delete(this.vip); }
}

function pair(optionsA = {}, optionsB = {}) {
  const hub = new Hub();
  const ca = hub.client('7.10.0.2');
  const cb = hub.client('7.10.0.3');
  return { hub, ca, cb, a: new Messenger(ca, optionsA), b: new Messenger(cb, optionsB) };
}

function until(cond, what, timeout = 30000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - t0 > timeout) reject(new Error(`timed out waiting for ${what}`));
      else setImmediate(tick);
    };
    tick();
  });
}

test('every valid envelope vector encodes to its bytes and decodes to its fields', () => {
  assert.equal(envelopeVectors.version, 1);
  assert.ok(envelopeVectors.valid.length >= 10);
  for (const v of envelopeVectors.valid) {
    const fields = { kind: v.kind, flags: v.flags, id: v.id, name: v.name, contentType: v.contentType, body: fromHex(v.bodyHex) };
    assert.equal(toHex(encodeEnvelope(fields)), v.hex, v.description);
    const d = decodeEnvelope(fromHex(v.hex));
    assert.deepEqual({ ...d, body: toHex(d.body) }, { ...fields, body: v.bodyHex }, v.description);
    assert.ok(isEnvelope(fromHex(v.hex)));
    assert.notEqual(fromHex(v.hex)[0], 0x15);
  }
});

test('every invalid envelope vector is refused with a protocol error', () => {
  assert.ok(envelopeVectors.invalid.length >= 8);
  for (const v of envelopeVectors.invalid) {
    assert.throws(() => decodeEnvelope(fromHex(v.hex)), (e) => e instanceof DospError && e.kind === 'protocol', v.description);
  }
});

test('envelopes that cannot be written are refused before any bytes', () => {
  assert.throws(() => encodeEnvelope({ kind: 0 }), /kind/);
  assert.throws(() => encodeEnvelope({ kind: 1, flags: 2 }), /flags/);
  assert.throws(() => encodeEnvelope({ kind: 1, id: 2 ** 32 }), /id/);
  assert.throws(() => encodeEnvelope({ kind: 1, name: 'x'.repeat(256) }), /255/);
  assert.equal(encodeEnvelope({ kind: 1, name: 'x'.repeat(255) }).length, 8 + 255 + 1);
});

test('bodies: JSON, raw and text round-trip; MessagePack and unknown types are UNSUPPORTED', () => {
  assert.deepEqual(decodeBody(ContentType.JSON, encodeBody({ a: [1, 'x', null] })), { a: [1, 'x', null] });
  assert.equal(new TextDecoder().decode(encodeBody(undefined)), 'null');
  assert.deepEqual(decodeBody(ContentType.RAW, encodeBody(Uint8Array.of(0, 0x15, 255), ContentType.RAW)), Uint8Array.of(0, 0x15, 255));
  assert.equal(decodeBody(ContentType.TEXT, encodeBody('grüße', ContentType.TEXT)), 'grüße');
  assert.throws(() => decodeBody(ContentType.MSGPACK, Uint8Array.of(0x93, 1, 2, 3)), (e) => e instanceof MessagingError && e.code === 'UNSUPPORTED');
  assert.throws(() => decodeBody(9, Uint8Array.of()), (e) => e.code === 'UNSUPPORTED');
  assert.throws(() => decodeBody(ContentType.JSON, new TextEncoder().encode('{nope')), (e) => e.code === 'BAD_ARGUMENTS');
  assert.throws(() => decodeBody(ContentType.TEXT, Uint8Array.of(0xff)), (e) => e.code === 'BAD_ARGUMENTS');
});

test('incremental SHA-256 equals the one-shot digest at every block boundary and for the vector', () => {
  assert.equal(toHex(new Sha256().update(new TextEncoder().encode('hello')).digest()), '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70000]) {
    const data = randomBytes(n);
    const h = new Sha256();
    for (let o = 0, step = 1; o < n; o += step, step = (step * 7) % 97 + 1) h.update(data.subarray(o, Math.min(n, o + step)));
    assert.equal(toHex(h.digest()), createHash('sha256').update(data).digest('hex'), `${n} bytes`);
  }
});

test('calls: results, positional arguments, void, and the handler context', async () => {
  const { a, b } = pair();
  b.method('add', (x, y) => x + y, { params: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }], result: { type: 'integer' } });
  b.method('who', (ctx) => ctx.from);
  b.method('nothing', () => {});
  b.method('later', async (x) => { await new Promise((r) => setImmediate(r)); return { got: x }; });
  assert.equal(await a.call('7.10.0.3', 'add', [1, 2]), 3);
  assert.equal(await a.call('7.10.0.3', 'who'), '7.10.0.2');
  assert.equal(await a.call('7.10.0.3', 'nothing'), null);
  assert.deepEqual(await a.call('7.10.0.3', 'later', [[1, 2]]), { got: [1, 2] });
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => a.call('7.10.0.3', 'add', [i, i])));
  assert.deepEqual(many, Array.from({ length: 50 }, (_, i) => 2 * i));
  assert.equal(b.stats.callsIn, 54);
});

test('call errors from the peer carry the wire code: no such method, bad arguments (field named), handler failed', async () => {
  const { a, b } = pair();
  b.method('add', (x, y) => x + y, { params: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }] });
  b.method('boom', () => { throw new Error('it broke'); });
  b.method('picky', () => { throw new MessagingError('BAD_ARGUMENTS', 'name is empty', { field: 'name' }); });
  await assert.rejects(a.call('7.10.0.3', 'nope', []), (e) => e.code === 'NO_SUCH_METHOD' && e.remote && /nope/.test(e.message));
  await assert.rejects(a.call('7.10.0.3', 'add', [1, 'two']), (e) => e.code === 'BAD_ARGUMENTS' && e.field === 'b');
  await assert.rejects(a.call('7.10.0.3', 'add', [1]), (e) => e.code === 'BAD_ARGUMENTS' && e.field === 'b');
  await assert.rejects(a.call('7.10.0.3', 'boom'), (e) => e.code === 'HANDLER_FAILED' && e.message === 'it broke' && !/at /.test(e.message));
  await assert.rejects(a.call('7.10.0.3', 'picky'), (e) => e.code === 'BAD_ARGUMENTS' && e.field === 'name');
});

test('a call with no answer times out; a late answer is ignored and counted', async () => {
  const { a, b } = pair();
  let release;
  b.method('slow', () => new Promise((r) => { release = r; }));
  await assert.rejects(a.call('7.10.0.3', 'slow', [], { timeout: 50 }), (e) => e.code === 'TIMEOUT');
  release(1);
  await until(() => a.stats.lateAnswers === 1, 'the late answer');
});

test('calls fail fast on ERR S2CF for the callee, and on our disconnect, not at their timeout', async () => {
  const { a, b, cb } = pair();
  b.method('never', () => new Promise(() => {}));
  await assert.rejects(a.call('7.10.0.9', 'x', [], { timeout: 600000 }), (e) => e.code === 'PEER_GONE' && /S2CF/.test(e.message));
  const pending = a.call('7.10.0.3', 'never', [], { timeout: 600000 });
  await until(() => b.stats.callsIn === 1, 'the call to arrive');
  cb.vanish();
  const other = a.call('7.10.0.3', 'never', [], { timeout: 600000 }); // its S2CF fails both in flight
  await assert.rejects(pending, (e) => e.code === 'PEER_GONE');
  await assert.rejects(other, (e) => e.code === 'PEER_GONE');
  const { a: a2, b: b2, ca: ca2 } = pair();
  b2.method('never', () => new Promise(() => {}));
  const cut = a2.call('7.10.0.3', 'never', [], { timeout: 600000 });
  await until(() => b2.stats.callsIn === 1, 'the call to arrive');
  ca2.drop();
  await assert.rejects(cut, (e) => e.code === 'DISCONNECTED');
  await assert.rejects(a2.call('7.10.0.3', 'never'), (e) => e.code === 'DISCONNECTED');
});

test('calls in flight are bounded on both sides', async () => {
  const { a, b } = pair({ maxCallsInFlight: 3 }, { maxIncomingCalls: 2 });
  const releases = [];
  b.method('hold', () => new Promise((r) => releases.push(r)));
  const held = [a.call('7.10.0.3', 'hold'), a.call('7.10.0.3', 'hold')];
  await until(() => releases.length === 2, 'two calls held');
  await assert.rejects(a.call('7.10.0.3', 'hold'), (e) => e.code === 'TOO_MANY_CALLS' && e.remote); // the callee's bound
  const third = a.call('7.10.0.3', 'hold'); // allowed here (3 in flight), refused there
  await assert.rejects(third, (e) => e.code === 'TOO_MANY_CALLS' && e.remote);
  releases.forEach((r, i) => r(i));
  assert.deepEqual(await Promise.all(held), [0, 1]);
  const { a: a3, b: b3 } = pair({ maxCallsInFlight: 2 });
  b3.method('hold', () => new Promise(() => {}));
  a3.call('7.10.0.3', 'hold').catch(() => {});
  a3.call('7.10.0.3', 'hold').catch(() => {});
  await assert.rejects(a3.call('7.10.0.3', 'hold'), (e) => e.code === 'TOO_MANY_CALLS' && !e.remote && /maxCallsInFlight/.test(e.message));
  a3.close();

  // the bound over all peers: a second caller is refused while the first holds the callee's whole budget
  const hub = new Hub();
  const callee = new Messenger(hub.client('7.10.0.5'), { maxIncomingCallsTotal: 2 });
  const c1 = new Messenger(hub.client('7.10.0.6'));
  const c2 = new Messenger(hub.client('7.10.0.7'));
  const open = [];
  callee.method('hold', () => new Promise((r) => open.push(r)));
  const two = [c1.call('7.10.0.5', 'hold'), c1.call('7.10.0.5', 'hold')];
  await until(() => open.length === 2, 'two calls held');
  await assert.rejects(c2.call('7.10.0.5', 'hold'), (e) => e.code === 'TOO_MANY_CALLS' && /in all/.test(e.message));
  open.forEach((r) => r('ok'));
  assert.deepEqual(await Promise.all(two), ['ok', 'ok']);
  const later = c2.call('7.10.0.5', 'hold'); // the budget is free again
  await until(() => open.length === 3, 'the third call held');
  open[2]('again');
  assert.equal(await later, 'again');
});

test('a cancelled call rejects CANCELLED, the callee sees the abort and answers nothing', async () => {
  const { a, b } = pair();
  let aborted = false;
  b.method('wait', (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => { aborted = true; resolve('too late'); })));
  const ac = new AbortController();
  const p = a.call('7.10.0.3', 'wait', [], { signal: ac.signal });
  await until(() => b.stats.callsIn === 1, 'the call');
  ac.abort();
  await assert.rejects(p, (e) => e.code === 'CANCELLED');
  await until(() => aborted, 'the callee to see the abort');
  assert.equal(b.stats.refused, 0);
});

test('named messages reach their handler with JSON, raw and text payloads; a missing handler is counted', async () => {
  const { a, b } = pair();
  const got = [];
  b.on('chat', (m, ctx) => got.push(['chat', m, ctx.from]));
  b.handle('blob', (m) => got.push(['blob', toHex(m)]));
  b.handle('note', (m) => got.push(['note', m]));
  const unhandled = [];
  b.on('unhandled', (d) => unhandled.push(d.name));
  await a.send('7.10.0.3', 'chat', { text: 'hi' });
  await a.send('7.10.0.3', 'blob', Uint8Array.of(0x15, 0xd1));
  await a.send('7.10.0.3', 'note', 'plain words', { contentType: ContentType.TEXT });
  await a.send('7.10.0.3', 'nobody', 1);
  await until(() => got.length === 3 && unhandled.length === 1, 'the messages');
  assert.deepEqual(got, [['chat', { text: 'hi' }, '7.10.0.2'], ['blob', '15d1'], ['note', 'plain words']]);
  assert.deepEqual(unhandled, ['nobody']);
  assert.equal(b.stats.unhandled, 1);
});

test('discovery lists methods with their schema, handlers and streams', async () => {
  const { a, b } = pair();
  b.method('add', (x, y) => x + y, { params: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }], result: { type: 'integer' } });
  b.handle('chat', () => {}, { type: { type: 'object', properties: { text: { type: 'string' } } } });
  b.stream('file', (s) => s.bytes());
  assert.deepEqual(await a.discover('7.10.0.3'), {
    methods: [{ name: 'add', params: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }], result: { type: 'integer' } }],
    handlers: [{ name: 'chat', type: { type: 'object', properties: { text: { type: 'string' } } } }],
    streams: ['file'],
  });
  assert.throws(() => b.method('$discover', () => {}), /reserved/);
});

test('malformed envelopes and MessagePack requests: errors, answers where there is an id, nothing else hurt', async () => {
  const { a, b, ca } = pair();
  b.method('add', (x, y) => x + y);
  const errors = [];
  b.on('error', (e) => errors.push(e.message));
  const answers = [];
  ca.on('message', (m) => answers.push(decodeEnvelope(m.data)));
  await ca.send('7.10.0.3', fromHex('d1010000')); // cut short
  await ca.send('7.10.0.3', fromHex('d2020000000005000000')); // version 2 REQUEST id 5
  await ca.send('7.10.0.3', encodeEnvelope({ kind: EnvelopeKind.REQUEST, id: 6, name: 'add', contentType: ContentType.MSGPACK, body: Uint8Array.of(0x92, 1, 2) }));
  await ca.send('7.10.0.3', encodeEnvelope({ kind: EnvelopeKind.RESPONSE, id: 7, contentType: ContentType.JSON, body: encodeBody(1) })); // no REPLY flag
  await ca.send('7.10.0.3', new TextEncoder().encode('plain text, not an envelope'));
  await until(() => answers.length === 2 && errors.length === 3, 'the refusals');
  const byId = Object.fromEntries(answers.map((e) => [e.id, JSON.parse(new TextDecoder().decode(e.body))]));
  assert.equal(byId[5].code, 'UNSUPPORTED');
  assert.equal(byId[6].code, 'UNSUPPORTED');
  assert.match(byId[6].message, /MessagePack/);
  assert.ok(answers.every((e) => e.kind === EnvelopeKind.ERROR && e.flags === FLAG_REPLY));
  assert.equal(b.stats.malformed, 3);
  assert.equal(await a.call('7.10.0.3', 'add', [2, 3]), 5);
});

test('a stream arrives whole with a matching SHA-256 and progress; through tunnels when asked', async () => {
  const { a, b, hub } = pair({ tunnel: true }, { tunnel: true });
  const data = randomBytes(300000);
  let meta = null;
  let secure = null;
  const received = new Promise((resolve) => b.stream('file', async (s) => { meta = s.meta; secure = s.secure; resolve(await s.bytes()); }));
  const progress = [];
  const result = await a.sendStream('7.10.0.3', 'file', data, { meta: { name: 'a.bin' }, onProgress: (n, size) => progress.push([n, size]) });
  const sha = createHash('sha256').update(data).digest('hex');
  assert.deepEqual(result, { bytes: 300000, sha256: sha });
  assert.equal(toHex(await received), toHex(data));
  assert.deepEqual(meta, { name: 'a.bin', contentType: 'application/octet-stream', size: 300000 });
  assert.equal(secure, true);
  assert.equal(progress.at(-1)[0], 300000);
  assert.ok(progress.every(([n, size], i) => size === 300000 && (i === 0 || n > progress[i - 1][0])));
  assert.ok(hub.delivered > 300000 / 16384);
});

test('a receiver that stops reading stops the sender at its window; reading on completes it', async () => {
  const window = 64 * 1024;
  const { a, b } = pair({}, { streamWindow: window });
  let stream;
  b.stream('slow', (s) => { stream = s; });
  let sent = 0;
  const data = randomBytes(1024 * 1024);
  const done = a.sendStream('7.10.0.3', 'slow', data, { onProgress: (n) => { sent = n; } });
  await until(() => stream && stream.received === window, 'the window to fill');
  // the sender has sent exactly the grant and waits for credit: nothing more arrives until we read
  await new Promise((r) => setImmediate(r));
  assert.equal(sent, window);
  assert.equal(stream.received, window);
  const parts = [];
  for await (const c of stream) {
    parts.push(c);
    assert.ok(stream.received - parts.reduce((n, p) => n + p.length, 0) <= window);
  }
  assert.equal(toHex(Buffer.concat(parts)), toHex(data));
  assert.equal((await done).bytes, data.length);
  assert.equal((await stream.done).sha256, createHash('sha256').update(data).digest('hex'));
});

test('stream errors: no handler, too large, a corrupted chunk (INTEGRITY), cancel by either side, peer gone', async () => {
  const { a, b } = pair({}, { maxStreamSize: 1000 });
  await assert.rejects(a.sendStream('7.10.0.3', 'none', 'x'), (e) => e.code === 'NO_SUCH_METHOD' && e.remote);
  b.stream('small', (s) => s.bytes());
  await assert.rejects(a.sendStream('7.10.0.3', 'small', new Uint8Array(1001)), (e) => e.code === 'TOO_LARGE' && e.remote);
  await assert.rejects(a.sendStream('7.10.0.3', 'small', (async function* () { yield new Uint8Array(600); yield new Uint8Array(600); })()), (e) => e.code === 'TOO_LARGE');
  await assert.rejects(a.sendStream('7.10.0.3', 'small', new Uint8Array(20), { meta: { size: 10 } }), (e) => e.code === 'TOO_LARGE' && /announced/.test(e.message));

  // a chunk changed on the way: the receiver's SHA-256 differs
  let failed = null;
  const { a: a2, b: b2, cb: cb2 } = pair();
  b2.stream('check', (s) => s.bytes().catch((e) => { failed = e; }));
  const original = cb2.emit.bind(cb2);
  cb2.emit = (type, detail) => {
    if (type === 'message' && detail.data[1] === EnvelopeKind.STREAM_CHUNK) detail.data[detail.data.length - 1] ^= 1;
    original(type, detail);
  };
  await assert.rejects(a2.sendStream('7.10.0.3', 'check', 'hello'), (e) => e.code === 'INTEGRITY' && e.remote);
  await until(() => failed && failed.code === 'INTEGRITY', 'the receiver to report INTEGRITY');

  // the receiver cancels
  const { a: a3, b: b3 } = pair();
  b3.stream('no', (s) => s.cancel('not today'));
  await assert.rejects(a3.sendStream('7.10.0.3', 'no', new Uint8Array(1 << 20)), (e) => e.code === 'CANCELLED' && /not today/.test(e.message));

  // the sender cancels
  const { a: a4, b: b4 } = pair({}, { streamWindow: 1024 });
  let inbound;
  b4.stream('stuck', (s) => { inbound = s; });
  const ac = new AbortController();
  const p4 = a4.sendStream('7.10.0.3', 'stuck', new Uint8Array(1 << 20), { signal: ac.signal });
  await until(() => inbound && inbound.received === 1024, 'the first window');
  ac.abort();
  await assert.rejects(p4, (e) => e.code === 'CANCELLED');
  await assert.rejects(inbound.done, (e) => e.code === 'CANCELLED' && e.remote);

  // the receiver vanishes while the sender waits for credit: the sender's probe gets ERR S2CF
  const { a: a5, b: b5, cb: cb5 } = pair({ probeInterval: 20 }, { streamWindow: 1024 });
  let s5;
  b5.stream('stuck', (s) => { s5 = s; });
  const p5 = a5.sendStream('7.10.0.3', 'stuck', new Uint8Array(1 << 20));
  await until(() => s5 && s5.received === 1024, 'the first window');
  cb5.vanish();
  await assert.rejects(p5, (e) => e.code === 'PEER_GONE' && /S2CF/.test(e.message));
});
