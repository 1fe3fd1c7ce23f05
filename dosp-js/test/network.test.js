import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DospClient, DospError, FrameReader, encodeFrame, PacketType, Ext, encodeFeatureList, parseFeatureList, encodeStr,
  encodeTarget, fromHex, toHex, Messenger, ipToInt,
} from '../src/dosp.js';

/**
 * A scripted DoSP server behind a WebSocket constructor: it sends AIP and HSK, reads the client's frames and
 * answers EXT frames through `onExt(kind, payload, reply)`; `push(type, body)` sends a frame unasked. Bytes are
 * those of docs/network.md and README "Client extension frames".
 */
function scripted({ welcome = null, reference = false, onExt = () => {} } = {}) {
  const server = { frames: [], sockets: [], push: null };
  server.WebSocket = class extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.bufferedAmount = 0;
      this.readyState = 1;
      this.reader = new FrameReader();
      server.sockets.push(this);
      server.push = (type, body) => this._deliver(encodeFrame(type, body));
      setImmediate(() => {
        this._deliver(fromHex('1300000004070a0002'));
        this._deliver(fromHex('1400000007005b322c20305d'));
      });
    }
    _deliver(bytes) {
      setImmediate(() => this.onmessage && this.onmessage({ data: bytes.slice().buffer }));
    }
    send(bytes) {
      for (const f of this.reader.push(bytes)) {
        server.frames.push(f);
        if (f.type === PacketType.EXIT) this.close(); // as a server does
        if (f.type === PacketType.EXT) {
          const kind = f.body[0];
          if (kind === Ext.HELLO) {
            if (reference) this._deliver(fromHex('120000000109')); // ERR UKNP, bare
            else this._deliver(encodeFrame(PacketType.EXT, encodeFeatureList(Ext.WELCOME, welcome ?? parseFeatureList(f.body.subarray(1)))));
            continue;
          }
          onExt(kind, f.body.subarray(1), (rkind, payload) => this._deliver(encodeFrame(PacketType.EXT, Uint8Array.of(rkind, ...payload))));
        }
      }
    }
    close() {
      if (this.readyState === 3) return;
      this.readyState = 3;
      setImmediate(() => {
        const ev = Object.assign(new Event('close'), { code: 1000, reason: '' });
        this.dispatchEvent(ev);
        if (this.onclose) this.onclose(ev);
      });
    }
  };
  return server;
}

const u32 = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const str = (s) => [s.length, ...Buffer.from(s)];
const result = (kind, req, status, payload = []) => [...req, status, ...payload];

function connect(server, options = {}) {
  return DospClient.connect('ws://fake/', { WebSocket: server.WebSocket, heartbeatInterval: 0, clientInfo: false, requestTimeout: 2000, ...options });
}

test('HELLO offers our features right after the handshake; WELCOME enables them; a reference server enables none', async () => {
  const ours = scripted({ welcome: ['groups', 'names', 'unknown-x'] });
  const c = await connect(ours);
  assert.equal(ours.frames[0].type, PacketType.EXT);
  assert.equal(toHex(ours.frames[0].body), toHex(encodeFeatureList(Ext.HELLO, ['peer-gone', 'groups', 'names', 'presence', 'network'])));
  assert.deepEqual([...c.extensions].sort(), ['groups', 'names']); // unknown names ignored
  await assert.rejects(c.watch('7.10.0.3'), (e) => e instanceof DospError && e.kind === 'unsupported' && /presence/.test(e.message));
  await c.close();

  const ref = scripted({ reference: true });
  const errors = [];
  const r = new DospClient('ws://fake/', { WebSocket: ref.WebSocket, heartbeatInterval: 0, clientInfo: false });
  r.on('error', (e) => errors.push(e));
  await r.open();
  assert.deepEqual([...r.extensions], []);
  assert.deepEqual(errors, []); // the UKNP answer to HELLO is not an error
  await assert.rejects(r.join('team'), (e) => e.kind === 'unsupported');
  await r.close();

  const off = scripted();
  const o = await connect(off, { extensions: false });
  assert.ok(off.frames.every((f) => f.type !== PacketType.EXT));
  assert.deepEqual([...o.extensions], []);
  await o.close();
});

test('the HELLO layout matches the README example byte for byte', () => {
  assert.equal(toHex(encodeFrame(PacketType.EXT, encodeFeatureList(Ext.HELLO, ['peer-gone']))), '1f0000000d010101097065657228676f6e65'.replace('28', '2d'));
  assert.deepEqual(parseFeatureList(fromHex('0100')), []);
  assert.throws(() => parseFeatureList(fromHex('0201')), DospError);
  assert.throws(() => parseFeatureList(fromHex('010105616263')), DospError);
});

test('groups: JOIN, LEAVE, SEND, MEMBERS (paged) and GROUP_MESSAGE, in the bytes of docs/network.md', async () => {
  const seen = [];
  const server = scripted({
    onExt(kind, p, reply) {
      const req = [...p.subarray(0, 4)];
      seen.push([kind, toHex(p.subarray(4))]);
      if (kind === Ext.JOIN) reply(Ext.GROUPS_RESULT, result(0x50, req, 0));
      if (kind === Ext.LEAVE) reply(Ext.GROUPS_RESULT, result(0x50, req, 4, [...Buffer.from('not in team')]));
      if (kind === Ext.SEND) reply(Ext.GROUPS_RESULT, result(0x50, req, 0, [...new Uint8Array(15), 9, ...u32(2)]));
      if (kind === Ext.MEMBERS) {
        const offset = p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];
        const page = offset === 0 ? [ipToInt('10.1.0.2'), ipToInt('10.1.0.3')] : [ipToInt('10.2.0.7')];
        reply(Ext.GROUPS_RESULT, result(0x50, req, 0, [...u32(3), 0, page.length, ...page.flatMap(u32)]));
      }
    },
  });
  const c = await connect(server);
  await c.join('team');
  await assert.rejects(c.leave('team'), (e) => e.kind === 'network' && e.status === 'NOT_MEMBER' && /not in team/.test(e.message));
  assert.deepEqual(await c.sendToGroup('team', 'hello all'), { messageId: '00'.repeat(15) + '09', members: 2 });
  assert.deepEqual(await c.members('team'), ['10.1.0.2', '10.1.0.3', '10.2.0.7']);
  assert.deepEqual(seen, [
    [Ext.JOIN, '047465616d'],
    [Ext.LEAVE, '047465616d'],
    [Ext.SEND, '047465616d' + Buffer.from('hello all').toString('hex')],
    [Ext.MEMBERS, '00000000047465616d'],
    [Ext.MEMBERS, '00000002047465616d'],
  ]);
  const got = new Promise((resolve) => c.on('groupmessage', resolve));
  server.push(PacketType.EXT, Uint8Array.of(Ext.GROUP_MESSAGE, ...new Uint8Array(16).fill(7), ...u32(ipToInt('10.2.0.7')), ...str('team'), ...Buffer.from('hi team')));
  const m = await got;
  assert.deepEqual({ group: m.group, from: m.from, id: m.id, text: m.text }, { group: 'team', from: '10.2.0.7', id: '07'.repeat(16), text: 'hi team' });
  for (const bad of ['', 'Team', '-x', 'a'.repeat(65), 'a b']) await assert.rejects(c.join(bad), (e) => e.kind === 'argument');
  await c.close();
});

test('names: REGISTER (with the token to re-claim), RESOLVE, UNREGISTER, NAME_LOST', async () => {
  const token = new Uint8Array(16).fill(0xab);
  const requests = [];
  const server = scripted({
    onExt(kind, p, reply) {
      const req = [...p.subarray(0, 4)];
      requests.push([kind, toHex(p.subarray(4))]);
      if (kind === Ext.REGISTER) reply(Ext.NAMES_RESULT, result(0x60, req, 0, [...token]));
      if (kind === Ext.RESOLVE) {
        if (p[5] === 0x61) reply(Ext.NAMES_RESULT, result(0x60, req, 0, u32(ipToInt('10.2.0.9'))));
        else reply(Ext.NAMES_RESULT, result(0x60, req, 6, [...Buffer.from('nobody holds it')]));
      }
      if (kind === Ext.UNREGISTER) reply(Ext.NAMES_RESULT, result(0x60, req, 0));
    },
  });
  const c = await connect(server);
  const t = await c.registerName('printer');
  assert.equal(t, 'ab'.repeat(16));
  await c.registerName('printer', t);
  assert.equal(await c.resolve('alice'), '10.2.0.9');
  await assert.rejects(c.resolve('zed'), (e) => e.status === 'NOT_FOUND');
  await c.unregisterName('printer');
  assert.deepEqual(requests.map((r) => r[1]), ['077072696e746572', '077072696e746572' + 'ab'.repeat(16), '05616c696365', '037a6564', '077072696e746572']);
  await assert.rejects(c.registerName('printer', 'abcd'), (e) => e.kind === 'argument');
  const lost = new Promise((resolve) => c.on('namelost', resolve));
  server.push(PacketType.EXT, Uint8Array.of(Ext.NAME_LOST, ...str('printer'), 8, ...u32(ipToInt('10.3.0.4'))));
  assert.deepEqual(await lost, { name: 'printer', reason: 'conflict', winner: '10.3.0.4' });
  await c.close();
});

test('presence: WATCH targets, EVENTs; a watched vIP that left and PEER_GONE fail calls to it at once', async () => {
  const watched = [];
  const server = scripted({
    onExt(kind, p, reply) {
      watched.push([kind, toHex(p.subarray(4))]);
      reply(Ext.PRESENCE_RESULT, result(0x70, [...p.subarray(0, 4)], 0));
    },
  });
  const c = await connect(server);
  const m = new Messenger(c, { timeout: 600000 });
  await c.watch('10.2.0.9');
  await c.watch({ name: 'printer' });
  await c.watch({ group: 'team' });
  await c.unwatch({ group: 'team' });
  assert.deepEqual(watched, [[Ext.WATCH, '010a020009'], [Ext.WATCH, '02077072696e746572'], [Ext.WATCH, '03047465616d'], [Ext.UNWATCH, '03047465616d']]);
  assert.equal(toHex(encodeTarget({ vip: '7.10.0.2' })), '01070a0002');
  assert.throws(() => encodeStr('Nope'), DospError);

  const events = [];
  c.on('presence', (e) => events.push(e));
  const call = m.call('10.2.0.9', 'slow', []);
  await new Promise((r) => setImmediate(r));
  server.push(PacketType.EXT, Uint8Array.of(Ext.EVENT, 1, ...u32(ipToInt('10.2.0.9')), 2, ...u32(ipToInt('10.2.0.9')), 6));
  await assert.rejects(call, (e) => e.code === 'PEER_GONE' && /unreachable/.test(e.message));
  assert.deepEqual(events, [{ target: { vip: '10.2.0.9' }, event: 'left', vip: '10.2.0.9', reason: 'unreachable' }]);

  const gone = [];
  c.on('peergone', (d) => gone.push(d));
  const call2 = m.call('7.10.0.4', 'slow', []);
  await new Promise((r) => setImmediate(r));
  server.push(PacketType.EXT, fromHex('20070a000403446973636f6e6e65637465642062792061646d696e'));
  await assert.rejects(call2, (e) => e.code === 'PEER_GONE' && /kicked/.test(e.message));
  assert.deepEqual(gone, [{ vip: '7.10.0.4', reason: 'kicked', code: 3, text: 'Disconnected by admin' }]);
  m.close();
  await c.close();
});

test('network views page through CLIENTS, GROUPS and NAMES; a malformed frame is an error event, nothing else', async () => {
  const server = scripted({
    onExt(kind, p, reply) {
      const req = [...p.subarray(0, 4)];
      if (kind === Ext.CLIENTS) reply(Ext.NETWORK_RESULT, result(0x80, req, 0, [...u32(2), 0, 2, ...u32(ipToInt('10.1.0.2')), 0, ...u32(ipToInt('10.2.0.3')), ...str('bob')]));
      if (kind === Ext.GROUPS) reply(Ext.NETWORK_RESULT, result(0x80, req, 0, [...u32(1), 0, 1, ...str('team'), ...u32(5)]));
      if (kind === Ext.NAMES) reply(Ext.NETWORK_RESULT, result(0x80, req, 0, [...u32(1), 0, 1, ...str('printer'), ...u32(ipToInt('10.2.0.9'))]));
    },
  });
  const c = await connect(server);
  assert.deepEqual(await c.networkClients(), [{ vip: '10.1.0.2', user: '' }, { vip: '10.2.0.3', user: 'bob' }]);
  assert.deepEqual(await c.networkGroups(), [{ group: 'team', members: 5 }]);
  assert.deepEqual(await c.networkNames(), [{ name: 'printer', vip: '10.2.0.9' }]);
  const errors = [];
  const two = new Promise((resolve) => c.on('error', (e) => { errors.push(e.message); if (errors.length === 2) resolve(); }));
  server.push(PacketType.EXT, Uint8Array.of(Ext.NAME_LOST, 9, 0x61)); // name length 9, one byte
  server.push(PacketType.EXT, Uint8Array.of(0x99)); // a kind of no feature
  await two;
  assert.match(errors[0], /cut short/);
  assert.match(errors[1], /0x99/);
  assert.deepEqual(await c.networkNames(), [{ name: 'printer', vip: '10.2.0.9' }]); // still working
  assert.equal(c.state, 'open');
  await c.close();
});
