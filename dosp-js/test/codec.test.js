import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeFrame, FrameReader, parseMpak, inflate, deflate, parseHsk, parseAip, parseErr, describeErr,
  ipToInt, intToIp, s2cBody, parseS2c, printable, DospError,
} from '../src/dosp.js';
import { vectors, hex, toHexString } from './vectors.js';

/** The frame body of a vector: for S2C its payload is the DATA, after DST and SRC. */
function bodyOf(f) {
  return f.type === 3 ? s2cBody(f.dst_ip, f.src_ip || 0, hex(f.payload)) : hex(f.payload);
}

test('every uncompressed vector frame encodes to the reference bytes', () => {
  assert.ok(vectors.frames_uncompressed.length >= 20);
  for (const f of vectors.frames_uncompressed) {
    assert.equal(toHexString(encodeFrame(f.type, bodyOf(f))), f.wire, f.name);
  }
});

test('the frame reader reassembles the vector stream split at every byte and joined in one message', () => {
  const all = vectors.frames_uncompressed;
  const stream = Buffer.concat(all.map((f) => Buffer.from(f.wire, 'hex')));
  const oneByOne = new FrameReader();
  const got = [];
  for (const b of stream) got.push(...oneByOne.push(Uint8Array.of(b)));
  const joined = new FrameReader().push(Uint8Array.from(stream));
  for (const frames of [got, joined]) {
    assert.equal(frames.length, all.length);
    frames.forEach((fr, i) => {
      assert.equal(fr.type, all[i].type, all[i].name);
      assert.equal(toHexString(fr.body), toHexString(bodyOf(all[i])), all[i].name);
    });
  }
  assert.equal(oneByOne.buffered, 0);
});

test('the frame reader refuses a LENGTH over its limit from the header, before the body arrives', () => {
  const r = new FrameReader(1000);
  assert.throws(() => r.push(hex('0300000fa1')), (e) => e instanceof DospError && e.kind === 'protocol' && /4001 bytes/.test(e.message));
  const ok = new FrameReader(1000);
  assert.deepEqual(ok.push(hex('03000003e8')), []); // exactly the limit: waits for the body
  assert.equal(ok.buffered, 5);
});

test('MPAK splits into its sub-frames and reports a truncated last one', () => {
  const v = vectors.frames_uncompressed.find((f) => f.name === 'mpak_three');
  const { frames, truncated } = parseMpak(hex(v.payload));
  assert.equal(truncated, false);
  assert.equal(frames.length, 3);
  const cut = parseMpak(hex(v.payload).subarray(0, hex(v.payload).length - 1));
  assert.equal(cut.truncated, true);
  assert.equal(cut.frames.length, 2);
});

test('compressed vector bodies inflate to the payload; our deflate round-trips', async () => {
  for (const f of vectors.frames_compressed) {
    const frame = new FrameReader().push(hex(f.wire))[0];
    assert.equal(frame.type, f.type);
    const inflated = await inflate(frame.body);
    assert.equal(toHexString(f.type === 3 ? parseS2c(inflated).data : inflated), f.payload, f.name);
    assert.equal(toHexString(await inflate(await deflate(hex(f.payload)))), f.payload, f.name);
  }
});

test('inflate refuses output over its limit and garbage', async () => {
  const big = await deflate(new Uint8Array(100000));
  await assert.rejects(inflate(big, 50000), (e) => e.kind === 'limit');
  await assert.rejects(inflate(hex('0102030405')), (e) => e.kind === 'protocol');
});

test('HSK is parsed, never evaluated', () => {
  const plain = vectors.frames_uncompressed.find((f) => f.name === 'hsk_no_compression');
  const comp = vectors.frames_uncompressed.find((f) => f.name === 'hsk_compression');
  assert.deepEqual({ ...parseHsk(hex(plain.payload)), raw: undefined }, { compression: false, version: 2, token: 0, raw: undefined });
  assert.equal(parseHsk(hex(comp.payload)).compression, true);
  assert.throws(() => parseHsk(Uint8Array.from([0, ...Buffer.from('__import__("os")')])), (e) => e.kind === 'handshake');
});

test('AIP is read as 4 bytes or as dotted text', () => {
  const aip = vectors.frames_uncompressed.find((f) => f.name === 'aip');
  assert.equal(intToIp(parseAip(hex(aip.payload))), '7.10.0.2');
  assert.equal(intToIp(parseAip(Buffer.from('7.10.0.9'))), '7.10.0.9');
});

test('ERR in the code form, with an S2CF destination and reason, and in the reference text form', () => {
  const uknp = parseErr(hex(vectors.frames_uncompressed.find((f) => f.name === 'err_unknown_packet').payload));
  assert.equal(uknp.codeName, 'UKNP');
  const text = parseErr(hex(vectors.frames_uncompressed.find((f) => f.name === 'err_function_failed_text').payload));
  assert.equal(text.codeName, null);
  assert.ok(text.text.length > 0);
  const s2cf = parseErr(Uint8Array.from([3, 7, 10, 0, 9, ...Buffer.from('no such client')]));
  assert.equal(s2cf.codeName, 'S2CF');
  assert.equal(intToIp(s2cf.dst), '7.10.0.9');
  assert.equal(describeErr(s2cf), 'S2CF (S2C failed): 7.10.0.9: no such client');
});

test('vIPs and S2C bodies', () => {
  assert.equal(ipToInt('7.10.0.2'), 0x070a0002);
  assert.equal(intToIp(0xffffffff), '255.255.255.255');
  for (const bad of ['7.10.0', '7.10.0.256', '7.10.0.x', '', '1.2.3.4.5']) assert.throws(() => ipToInt(bad), DospError);
  const v = vectors.frames_uncompressed.find((f) => f.name === 's2c_plain');
  const s = parseS2c(new FrameReader().push(hex(v.wire))[0].body);
  assert.equal(intToIp(s.dst), v.dst_ip);
  assert.equal(intToIp(s.src), v.src_ip);
  assert.equal(toHexString(s.data), v.payload);
});

test('peer text is escaped and cut before it is shown', () => {
  assert.equal(printable('a\nb\u202e'), 'a\\u000ab\\u202e');
  assert.equal(printable('x'.repeat(300), 10), 'xxxxxxxxxx...');
});
