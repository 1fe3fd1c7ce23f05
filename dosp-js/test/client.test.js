import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DospClient, DospError, clientHash } from '../src/dosp.js';

/** A Storage (the Web Storage interface) over a Map. */
class MapStorage {
  constructor() { this.m = new Map(); }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
}

test('the client hash is 64 random hex characters, made once and kept in storage', () => {
  const s = new MapStorage();
  const h = clientHash(s);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(clientHash(s), h);
  assert.equal(s.getItem('dosp.clientHash'), h);
  assert.notEqual(clientHash(new MapStorage()), h);
  s.setItem('dosp.clientHash', 'not a hash');
  assert.match(clientHash(s), /^[0-9a-f]{64}$/); // a damaged entry is replaced
  assert.notEqual(s.getItem('dosp.clientHash'), 'not a hash');
  const refusing = { getItem() { throw new Error('SecurityError'); }, setItem() { throw new Error('SecurityError'); } };
  assert.match(clientHash(refusing), /^[0-9a-f]{64}$/);
  assert.equal(clientHash(refusing), clientHash(null)); // one per page where storage is refused
});

test('a bad URL or an unknown option is a clear error, before any connection', () => {
  const WebSocket = function () { throw new Error('must not be called'); };
  assert.throws(() => new DospClient('http://localhost:7745/', { WebSocket }), (e) => e instanceof DospError && e.kind === 'argument' && /ws:\/\/ or wss:\/\//.test(e.message));
  assert.throws(() => new DospClient('ws://localhost:7745/', { WebSocket, reconect: false }), (e) => e.kind === 'argument' && /reconect/.test(e.message));
});

test('calls on a client that is not connected reject with kind "closed"', async () => {
  const c = new DospClient('ws://localhost:7745/', { WebSocket: function () { throw new Error('never opened'); } });
  assert.equal(c.state, 'idle');
  await assert.rejects(c.send('7.10.0.2', 'x'), (e) => e.kind === 'closed');
  await assert.rejects(c.clients(), (e) => e.kind === 'closed');
  await assert.rejects(c.open(), (e) => e.kind === 'connect' && /never opened/.test(e.message));
  assert.equal(c.state, 'closed');
});
