import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hkdfSha256, deriveTunnelKeys, dhInfo, importX25519Private, generateX25519, x25519, parseHello, encodeHello,
  classifyHandshake, newSessionId, errorFrame, TunnelCipher, MIN_FRAME_LENGTH, TUNNEL_OVERHEAD,
} from '../src/dosp.js';
import { vectors, hex, toHexString } from './vectors.js';

const dh = vectors.dh_handshake;

test('HKDF-SHA256 without salt gives the reference key material', async () => {
  for (const v of vectors.hkdf) {
    const okm = await hkdfSha256(hex(v.shared_secret), null, hex(v.info), 96);
    assert.equal(toHexString(okm.subarray(0, 32)), v.encryption);
    assert.equal(toHexString(okm.subarray(32, 64)), v.mac);
    assert.equal(toHexString(okm.subarray(64)), v.iv_material);
  }
});

test('X25519 with WebCrypto: the vector key pairs agree on the reference shared secret', async () => {
  const a = await importX25519Private(hex(dh.initiator_private));
  const b = await importX25519Private(hex(dh.responder_private));
  assert.equal(toHexString(a.publicKey), dh.initiator_public);
  assert.equal(toHexString(b.publicKey), dh.responder_public);
  assert.equal(toHexString(await x25519(a.privateKey, hex(dh.responder_public))), dh.shared_secret);
  assert.equal(toHexString(await x25519(b.privateKey, hex(dh.initiator_public))), dh.shared_secret);
});

test('a low-order public key is refused', async () => {
  const a = await generateX25519();
  await assert.rejects(x25519(a.privateKey, new Uint8Array(32)), (e) => e.kind === 'tunnel');
});

test('hellos parse and encode byte for byte; the DH keys match the vector', async () => {
  const ih = parseHello(hex(dh.initiator_hello_payload));
  const rh = parseHello(hex(dh.responder_hello_payload));
  assert.equal(ih.role, 0);
  assert.equal(toHexString(encodeHello(ih)), dh.initiator_hello_payload);
  assert.equal(toHexString(encodeHello(rh)), dh.responder_hello_payload);
  assert.equal(toHexString(encodeHello(ih, 1)), dh.initiator_hello_payload + '01');
  assert.equal(parseHello(encodeHello(ih, 2)).role, 2);
  assert.equal(toHexString(ih.publicKey), dh.initiator_public);
  assert.equal(toHexString(dhInfo(ih.sessionId, rh.sessionId)), dh.hkdf_info);
  const keys = await deriveTunnelKeys(hex(dh.shared_secret), ih.sessionId, rh.sessionId);
  assert.equal(toHexString(keys.encryptionKey), dh.encryption_key);
  assert.equal(toHexString(keys.macKey), dh.mac_key);
  assert.equal(toHexString(keys.ivMaterial), dh.iv_material);
  assert.equal(dh.initiator_hello_wire.slice(26), dh.initiator_hello_payload); // S2C header(5) + DST + SRC
});

test('handshake payloads are classified in the reference order', () => {
  assert.equal(classifyHandshake(hex(dh.initiator_hello_payload)), 'hello');
  assert.equal(classifyHandshake(hex(vectors.hc2c_error_payload.payload)), 'error');
  assert.equal(toHexString(errorFrame(vectors.hc2c_error_payload.reason)), vectors.hc2c_error_payload.payload);
  assert.equal(classifyHandshake(hex(vectors.legacy_handshake.initiator_payload_example)), 'legacy');
  assert.equal(classifyHandshake(hex('1501')), 'malformed');
  assert.equal(classifyHandshake(hex('16' + '00'.repeat(60))), null);
  const errorLooking = hex(dh.initiator_hello_payload);
  errorLooking[1] = 0xff; // a 49-byte payload whose session id starts with 0xFF is an error frame everywhere
  assert.equal(classifyHandshake(errorLooking), 'error');
  for (let i = 0; i < 2000; i++) assert.notEqual(newSessionId()[0], 0xff);
});

test('tunnel frames seal to the reference bytes and open in sequence', async () => {
  const tf = vectors.tunnel_frames;
  const keys = { encryptionKey: hex(tf.encryption_key), macKey: hex(tf.mac_key) };
  const sender = await TunnelCipher.create(keys);
  const receiver = await TunnelCipher.create(keys);
  for (const f of tf.frames) {
    const frame = await sender.sealWithNonce(hex(f.plaintext), hex(f.nonce));
    assert.equal(toHexString(frame), f.s2c_data, `frame ${f.sequence}`);
    assert.equal(toHexString(await receiver.open(hex(f.s2c_data))), f.plaintext);
  }
  assert.equal(receiver.expectedReceive, BigInt(tf.frames.length + 1));
});

test('a replayed, reordered or forged frame is dropped without moving the counter', async () => {
  const tf = vectors.tunnel_frames;
  const keys = { encryptionKey: hex(tf.encryption_key), macKey: hex(tf.mac_key) };
  const r = await TunnelCipher.create(keys);
  const [f1, f2] = tf.frames.map((f) => hex(f.s2c_data));
  await assert.rejects(r.open(f2), (e) => e.reason === 'bad-mac'); // skipped ahead
  assert.equal(toHexString(await r.open(f1)), tf.frames[0].plaintext);
  await assert.rejects(r.open(f1), (e) => e.reason === 'bad-mac'); // replayed
  const forged = Uint8Array.from(f2);
  forged[20] ^= 1;
  await assert.rejects(r.open(forged), (e) => e.reason === 'bad-mac');
  await assert.rejects(r.open(new Uint8Array(MIN_FRAME_LENGTH - 1)), (e) => e.reason === 'too-short');
  assert.equal(toHexString(await r.open(f2)), tf.frames[1].plaintext);
});

test('our own frame sent back is refused as reflected; nonces never start with 0x15', async () => {
  const keys = { encryptionKey: new Uint8Array(32).fill(7), macKey: new Uint8Array(32).fill(9) };
  const a = await TunnelCipher.create(keys);
  const b = await TunnelCipher.create(keys);
  const mine = await a.seal('from a');
  assert.equal(mine.length, 'from a'.length + TUNNEL_OVERHEAD);
  await assert.rejects(a.open(mine), (e) => e.reason === 'reflected');
  assert.equal(a.expectedReceive, 1n);
  const theirs = await b.seal('from b');
  assert.equal(new TextDecoder().decode(await a.open(theirs)), 'from b');
  let first15 = 0;
  for (let i = 0; i < 3000; i++) if ((await a.seal('x'))[0] === 0x15) first15++;
  assert.equal(first15, 0);
});

test('a frame whose nonce starts with 0x15 (as a reference peer may send) still opens', async () => {
  const keys = { encryptionKey: new Uint8Array(32).fill(1), macKey: new Uint8Array(32).fill(2) };
  const a = await TunnelCipher.create(keys);
  const b = await TunnelCipher.create(keys);
  const nonce = new Uint8Array(12).fill(0x15);
  const frame = await a.sealWithNonce('looks like HC2C', nonce);
  assert.equal(frame[0], 0x15);
  assert.equal(classifyHandshake(frame), 'hello'); // what a naive receiver would think
  assert.equal(new TextDecoder().decode(await b.open(frame)), 'looks like HC2C');
});
