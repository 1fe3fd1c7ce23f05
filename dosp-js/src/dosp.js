// dosp.js: a DoSP client for browsers (and Node 20+ with a WebSocket), one ES module, no build step.
//
// It speaks DoSP 0.2 over the WebSocket transport (protocol spec section 10): binary messages carry the
// DoSP byte stream, one frame per message outbound, reassembled as a stream inbound. Tunnels between
// clients use WebCrypto (X25519, HKDF-SHA256, AES-256-GCM, HMAC-SHA256) with the exact bytes of the Java
// client (io.dosp.crypto.*, TunnelManager) and the Python reference, so a tunnel works with either.
//
// Types: dosp.d.ts next to this file. Usage: README.md of the dosp-js package.

/** DoSP packet types (spec section 2). */
export const PacketType = Object.freeze({
  MSG: 0x01, PING: 0x02, S2C: 0x03, GCL: 0x04, FN: 0x05, SD: 0x06, RQIP: 0x07, GSI: 0x08,
  SA: 0x10, EXIT: 0x11, ERR: 0x12, AIP: 0x13, HSK: 0x14, HC2C: 0x15, BCST: 0x16, AUTH: 0x17,
  ADMIN: 0x18, CLIENT_INFO: 0x19, MPAK: 0x1a, EXT: 0x1f,
});

/** ERR codes (spec 5.7), by number. */
export const ErrCode = Object.freeze({
  1: 'FNF', 2: 'FF', 3: 'S2CF', 4: 'RQIPF', 5: 'SDF', 6: 'GCLF', 7: 'AIPF', 8: 'HSKF', 9: 'UKNP',
});

const ERR_DESCRIPTION = Object.freeze({
  FNF: 'function not found', FF: 'function failed', S2CF: 'S2C failed', RQIPF: 'RQIP failed',
  SDF: 'SD failed', GCLF: 'GCL failed', AIPF: 'AIP failed', HSKF: 'HSK failed', UKNP: 'unknown packet type',
});

/** EXIT reasons after which a server asks clients not to come back (io.dosp.protocol.ServerExitReason). */
const NO_RECONNECT_REASONS = new Set([
  'Disconnected by admin', 'Your address is banned', 'Your client hash is blocked',
  'Client hash required (whitelist mode)', 'Your client hash is not whitelisted',
  'Too many failed authentication attempts',
]);

const HEADER_LENGTH = 5;
const HC2C = 0x15;
const HC2C_ERROR = 0xff;
const SESSION_ID_LENGTH = 8;
const KEY_LENGTH = 32;
/** A DH hello: marker, session id, timestamp, public key (spec 8.1). */
export const HELLO_LENGTH = 1 + SESSION_ID_LENGTH + 8 + KEY_LENGTH;
const LEGACY_LENGTH = 17;
/** Our hellos carry one byte after the 49 the reference reads: opening or answer (as the Java client). */
const ROLE_INITIATE = 0x01;
const ROLE_RESPOND = 0x02;
const NONCE_LENGTH = 12;
const SEQ_LENGTH = 8;
const TAG_LENGTH = 16;
const MAC_LENGTH = 32;
/** Shortest tunnel frame looked at: nonce, tag, HMAC (spec 8.2). */
export const MIN_FRAME_LENGTH = NONCE_LENGTH + TAG_LENGTH + MAC_LENGTH;
/** Bytes a tunnel frame adds to its plaintext. */
export const TUNNEL_OVERHEAD = NONCE_LENGTH + SEQ_LENGTH + TAG_LENGTH + MAC_LENGTH;
/** How many sealed frames' nonces are remembered to recognise our own frames sent back (TunnelCipher). */
export const REFLECTION_WINDOW = 256;
const DH_INFO_PREFIX = 'dosp-c2c-dh-v1';
const LEGACY_REFUSAL = 'E:NotSupported';
const TUNNEL_EXISTS_REASON = 'C2C tunnel already exists';
const MAX_CLOCK_SKEW_SECONDS = 300;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

function subtle() {
  const c = globalThis.crypto;
  if (!c || !c.subtle) {
    throw new DospError('crypto', 'WebCrypto is not available (a page must be served over https:// or from localhost)');
  }
  return c.subtle;
}

function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/**
 * Every error this module raises or reports. `kind` says where it comes from: 'connect', 'handshake',
 * 'closed', 'server' (an ERR from the server: `code` and `codeName` are set), 'tunnel', 'timeout',
 * 'protocol' (the peer broke the protocol), 'limit' (a local bound), 'argument', 'crypto'.
 */
export class DospError extends Error {
  constructor(kind, message, extra = {}) {
    super(message);
    this.name = 'DospError';
    this.kind = kind;
    Object.assign(this, extra);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes and vIPs

/** Concatenates byte arrays. */
export function concatBytes(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Lower-case hex of bytes. */
export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a hex string (even length, 0-9a-f). */
export function fromHex(hex) {
  if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) throw new DospError('argument', 'not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function asBytes(data, what = 'data') {
  if (typeof data === 'string') return utf8.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new DospError('argument', `${what} must be a string, Uint8Array or ArrayBuffer`);
}

/** The 32-bit value of a dotted vIP ("7.10.0.2"), or of a number (kept). */
export function ipToInt(ip) {
  if (typeof ip === 'number') {
    if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff) throw new DospError('argument', `not a vIP: ${ip}`);
    return ip >>> 0;
  }
  const parts = String(ip).trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new DospError('argument', `not a vIP (four numbers 0-255 separated by dots): ${String(ip).slice(0, 40)}`);
  }
  return ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0;
}

/** The dotted form of a 32-bit vIP. */
export function intToIp(n) {
  n >>>= 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function u32(bytes, off) {
  return ((bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3]) >>> 0;
}

function putU32(bytes, off, v) {
  bytes[off] = v >>> 24;
  bytes[off + 1] = (v >>> 16) & 255;
  bytes[off + 2] = (v >>> 8) & 255;
  bytes[off + 3] = v & 255;
}

function u64Bytes(v) {
  // v: a non-negative safe integer or a BigInt
  let b = BigInt(v);
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(b & 0xffn);
    b >>= 8n;
  }
  return out;
}

function readU64(bytes, off) {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(bytes[off + i]);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Codec (spec sections 1, 6, 7)

/** One DoSP frame: `TYPE(1) LENGTH(4, big-endian) BODY`. */
export function encodeFrame(type, body = new Uint8Array(0)) {
  if (!Number.isInteger(type) || type < 0 || type > 255) throw new DospError('argument', `bad packet type ${type}`);
  const out = new Uint8Array(HEADER_LENGTH + body.length);
  out[0] = type;
  putU32(out, 1, body.length);
  out.set(body, HEADER_LENGTH);
  return out;
}

/** The body of an S2C: `DST(4) SRC(4) DATA`. */
export function s2cBody(dst, src, data) {
  const out = new Uint8Array(8 + data.length);
  putU32(out, 0, ipToInt(dst));
  putU32(out, 4, ipToInt(src));
  out.set(data, 8);
  return out;
}

/** Reads `DST SRC DATA` from an S2C body. */
export function parseS2c(body) {
  if (body.length < 8) throw new DospError('protocol', `S2C body of ${body.length} bytes, at least 8 expected`);
  return { dst: u32(body, 0), src: u32(body, 4), data: body.subarray(8) };
}

/**
 * Reassembles frames from a byte stream (WebSocket messages may split or join frames). The LENGTH of each
 * frame is checked against `maxBody` from its header, before its body is buffered.
 */
export class FrameReader {
  constructor(maxBody = 4 * 1024 * 1024) {
    this.maxBody = maxBody;
    this._buf = new Uint8Array(0);
    this._start = 0;
    this._end = 0;
  }

  /** Bytes held for an unfinished frame. */
  get buffered() {
    return this._end - this._start;
  }

  /**
   * Adds bytes; returns the frames now complete, in order, as `{type, body}` (body copied).
   * Throws a 'protocol' DospError for a frame longer than `maxBody` (the stream cannot be resynchronised).
   */
  push(chunk) {
    chunk = asBytes(chunk);
    this._append(chunk);
    const frames = [];
    for (;;) {
      const have = this._end - this._start;
      if (have < HEADER_LENGTH) break;
      const b = this._buf;
      const s = this._start;
      const length = u32(b, s + 1);
      if (length > this.maxBody) {
        throw new DospError('protocol', `frame of type 0x${b[s].toString(16)} announces ${length} bytes, over the limit of ${this.maxBody}`);
      }
      if (have < HEADER_LENGTH + length) break;
      frames.push({ type: b[s], body: b.slice(s + HEADER_LENGTH, s + HEADER_LENGTH + length) });
      this._start += HEADER_LENGTH + length;
    }
    if (this._start === this._end) {
      this._start = 0;
      this._end = 0;
      if (this._buf.length > 64 * 1024) this._buf = new Uint8Array(0);
    }
    return frames;
  }

  _append(chunk) {
    if (chunk.length === 0) return;
    const held = this._end - this._start;
    if (this._end + chunk.length > this._buf.length) {
      if (held + chunk.length <= this._buf.length) {
        this._buf.copyWithin(0, this._start, this._end); // room enough once the consumed bytes are gone
      } else {
        let cap = Math.max(1024, this._buf.length);
        while (cap < held + chunk.length) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this._buf.subarray(this._start, this._end), 0);
        this._buf = next;
      }
      this._start = 0;
      this._end = held;
    }
    this._buf.set(chunk, this._end);
    this._end += chunk.length;
  }
}

/**
 * Splits an MPAK body into its sub-frames. A truncated trailing sub-frame is reported (`truncated`), not
 * silently dropped; MPAK inside MPAK is left to the caller to refuse.
 */
export function parseMpak(body) {
  const frames = [];
  let off = 0;
  while (off < body.length) {
    if (body.length - off < HEADER_LENGTH) return { frames, truncated: true };
    const length = u32(body, off + 1);
    if (body.length - off - HEADER_LENGTH < length) return { frames, truncated: true };
    frames.push({ type: body[off], body: body.slice(off + HEADER_LENGTH, off + HEADER_LENGTH + length) });
    off += HEADER_LENGTH + length;
  }
  return { frames, truncated: false };
}

async function pipeThrough(stream, data, max) {
  const writer = stream.writable.getWriter();
  const done = writer.write(data).then(() => writer.close());
  done.catch(() => {}); // the reader sees the same failure
  const reader = stream.readable.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) break;
    total += value.length;
    if (total > max) {
      reader.cancel().catch(() => {});
      throw new DospError('limit', `inflated body over the limit of ${max} bytes`);
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

/** zlib-compresses (RFC 1950, what the reference's zlib.compress makes) with CompressionStream('deflate'). */
export async function deflate(data) {
  return pipeThrough(new CompressionStream('deflate'), asBytes(data), Infinity);
}

/** Inflates a zlib stream, refusing more than `max` bytes of output. */
export async function inflate(data, max = 4 * 1024 * 1024) {
  try {
    return await pipeThrough(new DecompressionStream('deflate'), asBytes(data), max);
  } catch (e) {
    if (e instanceof DospError) throw e;
    throw new DospError('protocol', `bad zlib body: ${e && e.message ? e.message : e}`);
  }
}

/**
 * Reads an HSK body: `compression_flag(1)` + a Python list literal such as `[2, 0]`. The text is parsed as
 * JSON (a list of integers), never evaluated.
 */
export function parseHsk(body) {
  if (body.length < 1) throw new DospError('handshake', 'empty HSK');
  const text = utf8Decoder.decode(body.subarray(1));
  let list;
  try {
    list = JSON.parse(text);
  } catch (e) {
    throw new DospError('handshake', `HSK text is not a list of numbers: ${printable(text)}`);
  }
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'number')) {
    throw new DospError('handshake', `HSK text is not a list of numbers: ${printable(text)}`);
  }
  return { compression: body[0] === 1, version: list[0], token: list[1], raw: list };
}

/** Reads an AIP body: 4 bytes, or the dotted text an older server may send. */
export function parseAip(body) {
  if (body.length === 4) return u32(body, 0);
  return ipToInt(utf8Decoder.decode(body));
}

/**
 * Reads an ERR body: `code(1) detail` (ours) or plain text (the reference). For S2CF the detail starts with
 * the 4-byte DST, then an optional UTF-8 reason.
 */
export function parseErr(body) {
  const codeName = body.length > 0 ? ErrCode[body[0]] : undefined;
  if (!codeName) {
    return { code: null, codeName: null, text: utf8Decoder.decode(body), dst: null, reason: '' };
  }
  const detail = body.subarray(1);
  if (codeName === 'S2CF' && detail.length >= 4) {
    return { code: body[0], codeName, text: utf8Decoder.decode(detail), dst: u32(detail, 0), reason: utf8Decoder.decode(detail.subarray(4)) };
  }
  return { code: body[0], codeName, text: utf8Decoder.decode(detail), dst: null, reason: '' };
}

/** One line describing an ERR, for people: "S2CF (S2C failed): 7.10.0.9: no such client". */
export function describeErr(e) {
  if (!e.codeName) return e.text;
  let d = e.text;
  if (e.dst !== null && e.dst !== undefined) d = intToIp(e.dst) + (e.reason ? `: ${e.reason}` : '');
  return `${e.codeName} (${ERR_DESCRIPTION[e.codeName]})${d ? `: ${d}` : ''}`;
}

/** Escapes control characters and cuts a peer's text before it is shown or logged. */
export function printable(text, max = 200) {
  const s = String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

// ---------------------------------------------------------------------------------------------------------------
// Tunnel handshake (spec 8.1, 8.3)

/**
 * What S2C DATA is, as far as the handshake goes, in the reference's order: 'error' (second byte 0xFF),
 * 'hello' (at least 49 bytes), 'legacy' (exactly 17), 'malformed', or null (not a handshake: first byte is
 * not 0x15).
 */
export function classifyHandshake(data) {
  if (!data || data.length === 0 || data[0] !== HC2C) return null;
  if (data.length >= 2 && data[1] === HC2C_ERROR) return 'error';
  if (data.length >= HELLO_LENGTH) return 'hello';
  if (data.length === LEGACY_LENGTH) return 'legacy';
  return 'malformed';
}

/** A new session id: 8 random bytes, never starting with 0xFF (that would read as an error frame). */
export function newSessionId() {
  let id;
  do {
    id = randomBytes(SESSION_ID_LENGTH);
  } while (id[0] === HC2C_ERROR);
  return id;
}

/** The bytes of a hello; `role` (1 opening, 2 answer) adds our one extra byte, omitted when undefined. */
export function encodeHello({ sessionId, timestamp, publicKey }, role) {
  if (sessionId.length !== SESSION_ID_LENGTH || sessionId[0] === HC2C_ERROR) throw new DospError('argument', 'bad session id');
  if (publicKey.length !== KEY_LENGTH) throw new DospError('argument', 'public key must be 32 bytes');
  return concatBytes(Uint8Array.of(HC2C), sessionId, u64Bytes(timestamp), publicKey,
    role === undefined ? new Uint8Array(0) : Uint8Array.of(role));
}

/** Reads a hello; bytes after the 49th are ignored except our role byte (`role`: 0 when absent). */
export function parseHello(data) {
  if (classifyHandshake(data) !== 'hello') throw new DospError('protocol', 'not a DH hello');
  return {
    sessionId: data.slice(1, 9),
    timestamp: readU64(data, 9),
    publicKey: data.slice(17, 49),
    role: data.length > HELLO_LENGTH ? data[HELLO_LENGTH] : 0,
  };
}

/** The HC2C error frame `0x15 0xFF reason`. */
export function errorFrame(reason) {
  return concatBytes(Uint8Array.of(HC2C, HC2C_ERROR), utf8.encode(reason));
}

/** HKDF-SHA256 (RFC 5869) through WebCrypto; an empty salt is the RFC's zero salt. */
export async function hkdfSha256(ikm, salt, info, length) {
  const s = subtle();
  const key = await s.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: salt || new Uint8Array(0), info }, key, length * 8);
  return new Uint8Array(bits);
}

/** The HKDF info of a DH tunnel: "dosp-c2c-dh-v1" + initiator session id + responder session id. */
export function dhInfo(initiatorSessionId, responderSessionId) {
  return concatBytes(utf8.encode(DH_INFO_PREFIX), initiatorSessionId, responderSessionId);
}

/** The 96 key bytes of a DH tunnel split as the reference does: encryption, MAC, iv material (unused). */
export async function deriveTunnelKeys(sharedSecret, initiatorSessionId, responderSessionId) {
  const okm = await hkdfSha256(sharedSecret, null, dhInfo(initiatorSessionId, responderSessionId), 96);
  return { encryptionKey: okm.slice(0, 32), macKey: okm.slice(32, 64), ivMaterial: okm.slice(64, 96) };
}

/** A new X25519 key pair: `{privateKey: CryptoKey, publicKey: Uint8Array(32)}`. */
export async function generateX25519() {
  const s = subtle();
  let pair;
  try {
    pair = await s.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  } catch (e) {
    throw new DospError('crypto', `this browser has no WebCrypto X25519 (needed for tunnels): ${e.message || e}`);
  }
  const raw = new Uint8Array(await s.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: raw };
}

/** An X25519 key pair from a raw 32-byte private key (test vectors only). */
export async function importX25519Private(raw) {
  const s = subtle();
  const pkcs8 = concatBytes(fromHex('302e020100300506032b656e04220420'), raw);
  const privateKey = await s.importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
  const jwk = await s.exportKey('jwk', privateKey);
  const publicKey = base64UrlDecode(jwk.x);
  return { privateKey, publicKey };
}

function base64UrlDecode(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The X25519 shared secret; refuses a peer key that gives the all-zero secret (a low-order point). */
export async function x25519(privateKey, peerPublicKey) {
  const s = subtle();
  let bits;
  try {
    const pub = await s.importKey('raw', peerPublicKey, { name: 'X25519' }, false, []);
    bits = new Uint8Array(await s.deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
  } catch (e) {
    throw new DospError('tunnel', `unusable X25519 public key: ${e.message || e}`);
  }
  if (bits.every((b) => b === 0)) throw new DospError('tunnel', 'unusable X25519 public key (low order)');
  return bits;
}

// ---------------------------------------------------------------------------------------------------------------
// Tunnel frames (spec 8.2)

/**
 * Seals and opens the frames of one tunnel:
 * `nonce(12) | AES-256-GCM(enc_key, nonce, seq(8) + plaintext) | tag(16) | HMAC-SHA256(mac_key, seq + nonce +
 * ciphertext + tag)`. Sequence numbers start at 1 each way; a receiver accepts exactly `last + 1`. Nonces never
 * start with 0x15. A frame carrying the nonce we sealed that sequence number with (our own frame sent back) is
 * refused ('reflected'). Calls of each direction are serialised, so sequence numbers follow call order; a failed
 * seal or open never moves a counter.
 */
export class TunnelCipher {
  /** @param keys `{encryptionKey, macKey}` raw bytes */
  static async create(keys) {
    const s = subtle();
    const aes = await s.importKey('raw', keys.encryptionKey, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    const mac = await s.importKey('raw', keys.macKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return new TunnelCipher(aes, mac);
  }

  constructor(aesKey, macKey) {
    this._aes = aesKey;
    this._mac = macKey;
    this.nextSend = 1n;
    this.expectedReceive = 1n;
    this._sendChain = Promise.resolve();
    this._receiveChain = Promise.resolve();
    this._sentSeq = null; // BigInt per slot
    this._sentNonce = null;
  }

  /** Seals the next frame with a fresh nonce whose first byte is never 0x15. */
  seal(plaintext) {
    const nonce = randomBytes(NONCE_LENGTH);
    while (nonce[0] === HC2C) nonce[0] = randomBytes(1)[0];
    return this._serial('_sendChain', () => this._seal(asBytes(plaintext), nonce));
  }

  /** Seals with a given nonce: for test vectors only (reusing a nonce breaks AES-GCM). */
  sealWithNonce(plaintext, nonce) {
    if (nonce.length !== NONCE_LENGTH) throw new DospError('argument', 'nonce must be 12 bytes');
    return this._serial('_sendChain', () => this._seal(asBytes(plaintext), Uint8Array.from(nonce)));
  }

  /** Opens the next frame; rejects with a 'tunnel' DospError whose `reason` is 'too-short', 'reflected', 'bad-mac', 'decrypt-failed' or 'sequence'. */
  open(frame) {
    return this._serial('_receiveChain', () => this._open(asBytes(frame)));
  }

  _serial(chain, fn) {
    const run = this[chain].then(fn);
    this[chain] = run.catch(() => {});
    return run;
  }

  async _seal(plaintext, nonce) {
    const s = subtle();
    const seq = this.nextSend;
    const seqBytes = u64Bytes(seq);
    const sealed = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, this._aes,
      concatBytes(seqBytes, plaintext)));
    const body = concatBytes(nonce, sealed);
    const mac = new Uint8Array(await s.sign('HMAC', this._mac, concatBytes(seqBytes, body)));
    this.nextSend = seq + 1n;
    this._remember(seq, nonce);
    return concatBytes(body, mac);
  }

  _remember(seq, nonce) {
    if (!this._sentSeq) {
      this._sentSeq = new Array(REFLECTION_WINDOW).fill(0n);
      this._sentNonce = new Uint8Array(REFLECTION_WINDOW * NONCE_LENGTH);
    }
    const slot = Number(seq % BigInt(REFLECTION_WINDOW));
    const held = this._sentSeq[slot];
    if (held !== 0n && held >= this.expectedReceive) return; // the older one can still come back; keep it
    this._sentSeq[slot] = seq;
    this._sentNonce.set(nonce, slot * NONCE_LENGTH);
  }

  _reflected(seq, frame) {
    if (!this._sentSeq) return false;
    const slot = Number(seq % BigInt(REFLECTION_WINDOW));
    if (this._sentSeq[slot] !== seq) return false;
    for (let i = 0; i < NONCE_LENGTH; i++) if (this._sentNonce[slot * NONCE_LENGTH + i] !== frame[i]) return false;
    return true;
  }

  async _open(frame) {
    if (frame.length < MIN_FRAME_LENGTH) {
      throw new DospError('tunnel', `tunnel frame of ${frame.length} bytes, minimum ${MIN_FRAME_LENGTH}`, { reason: 'too-short' });
    }
    const s = subtle();
    const seq = this.expectedReceive;
    if (this._reflected(seq, frame)) {
      throw new DospError('tunnel', `tunnel frame carries the nonce of our own frame ${seq} (reflected)`, { reason: 'reflected' });
    }
    const macOffset = frame.length - MAC_LENGTH;
    const seqBytes = u64Bytes(seq);
    const ok = await s.verify('HMAC', this._mac, frame.subarray(macOffset), concatBytes(seqBytes, frame.subarray(0, macOffset)));
    if (!ok) throw new DospError('tunnel', `tunnel frame HMAC mismatch at sequence ${seq}`, { reason: 'bad-mac' });
    let inner;
    try {
      inner = new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv: frame.subarray(0, NONCE_LENGTH), tagLength: 128 },
        this._aes, frame.subarray(NONCE_LENGTH, macOffset)));
    } catch (e) {
      throw new DospError('tunnel', 'tunnel frame GCM tag mismatch', { reason: 'decrypt-failed' });
    }
    if (inner.length < SEQ_LENGTH) throw new DospError('tunnel', 'tunnel frame holds no sequence number', { reason: 'sequence' });
    const inside = readU64(inner, 0);
    if (inside !== seq) throw new DospError('tunnel', `tunnel frame sequence ${inside}, expected ${seq}`, { reason: 'sequence' });
    this.expectedReceive = seq + 1n;
    return inner.slice(SEQ_LENGTH);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Client

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
class Bucket {
  constructor(burst, perSecond) {
    this.burst = burst;
    this.rate = perSecond;
    this.tokens = burst;
    this.at = Date.now();
  }

  take() {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const DEFAULTS = Object.freeze({
  vip: null,
  connectTimeout: 10000,
  requestTimeout: 10000,
  tunnelTimeout: 10000,
  maxFrameSize: 4 * 1024 * 1024,
  maxSendSize: 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxInboundBacklog: 4096,
  maxPendingRequests: 256,
  clientInfo: true,
  clientHash: null,
  heartbeatInterval: 20000,
  heartbeatMisses: 3,
  reconnect: true,
  reconnectInitialDelay: 500,
  reconnectMaxDelay: 30000,
  keepVip: true,
  maxTunnels: 64,
  handshakeBurst: 20,
  handshakesPerSecond: 5,
  peerHandshakeBurst: 4,
  peerHandshakesPerSecond: 1,
  errorReplyBurst: 10,
  errorRepliesPerSecond: 2,
  replaceTunnels: true,
  /** Offer our client extension features (EXT HELLO); false sends exactly what a reference client sends. */
  extensions: true,
  WebSocket: null,
  storage: undefined,
});

const HASH_KEY = 'dosp.clientHash';
let processHash = null;

/** The client hash for CLIENT_INFO: 64 random hex characters, kept in localStorage when there is one. */
export function clientHash(storage = globalThis.localStorage) {
  try {
    if (storage) {
      const held = storage.getItem(HASH_KEY);
      if (held && /^[0-9a-f]{64}$/.test(held)) return held;
      const made = toHex(randomBytes(32));
      storage.setItem(HASH_KEY, made);
      return made;
    }
  } catch (e) {
    // storage refused (private mode, file://): one hash per page instead
  }
  if (!processHash) processHash = toHex(randomBytes(32));
  return processHash;
}

/**
 * A DoSP client over WebSocket. Create it with `DospClient.connect(url, options)`.
 *
 * Events (an EventTarget; `on(type, fn)` is a shortcut returning an unsubscribe function), each a CustomEvent
 * whose `detail` is:
 * - 'message' `{from, to, data, text, secure, tunnel}`: S2C data; `secure` when it came through a tunnel
 * - 'broadcast' `{text}`: MSG from the server (admin broadcasts)
 * - 'error' a DospError (`kind` 'server' with `codeName`/`dst` for ERR; 'tunnel'; 'protocol'; ...)
 * - 'tunnel' `{peer, state: 'open'|'replaced'|'ended', tunnel, reason}`
 * - 'tunnelrejected' `{peer, reason}`: a tunnel frame failed verification and was dropped
 * - 'open' `{vip, reconnected}`, 'vip' `{vip}` (changed by RQIP), 'reconnecting' `{attempt, delay, reason}`,
 *   'close' `{reason, serverReason, reconnect}`
 * - 'packet' `{type, body}`: a custom packet type (0x20-0xFF)
 */
export class DospClient extends EventTarget {
  /** Connects and completes the handshake (AIP, HSK, optional RQIP, CLIENT_INFO). */
  static async connect(url, options = {}) {
    const c = new DospClient(url, options);
    await c.open();
    return c;
  }

  constructor(url, options = {}) {
    super();
    const u = String(url);
    if (!/^wss?:\/\//i.test(u)) throw new DospError('argument', `a DoSP WebSocket URL starts with ws:// or wss://, got ${printable(u, 80)}`);
    for (const k of Object.keys(options)) {
      if (!(k in DEFAULTS)) throw new DospError('argument', `unknown option ${printable(k, 40)}`);
    }
    this.url = u;
    this.options = { ...DEFAULTS, ...options };
    this._WebSocket = this.options.WebSocket || globalThis.WebSocket;
    if (!this._WebSocket) throw new DospError('argument', 'no WebSocket here: pass options.WebSocket');
    this._state = 'idle';
    this._conn = null;
    this._vip = null;
    this._closedByUser = false;
    this._reconnectTimer = null;
    this._attempt = 0;
    /** Peers whose tunnel ended (S2CF, reconnect): never sent to in plain again without a new tunnel. */
    this._mustTunnel = new Set();
    this._handshakes = new Bucket(this.options.handshakeBurst, this.options.handshakesPerSecond);
    this._errorReplies = new Bucket(this.options.errorReplyBurst, this.options.errorRepliesPerSecond);
    this._peerBuckets = new Map();
    this.stats = {
      framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, sealed: 0, opened: 0,
      tunnelFramesRejected: 0, reflected: 0, handshakesReceived: 0, handshakesRefused: 0,
      textMessagesIgnored: 0, reconnects: 0, errors: 0,
    };
    this._tunnelIds = 0;
    this._pings = 0;
  }

  /** 'idle', 'connecting', 'open', 'reconnecting' or 'closed'. */
  get state() {
    return this._state;
  }

  /** Our vIP, dotted ("7.10.0.2"), or null before the first AIP. */
  get vip() {
    return this._vip === null ? null : intToIp(this._vip);
  }

  /** Whether the server compresses this connection (HSK flag). */
  get compression() {
    return !!(this._conn && this._conn.compression);
  }

  /** Adds a listener; returns a function that removes it. */
  on(type, fn) {
    const h = (e) => fn(e.detail, e);
    this.addEventListener(type, h);
    return () => this.removeEventListener(type, h);
  }

  _emit(type, detail) {
    if (type === 'error') this.stats.errors++;
    try {
      this.dispatchEvent(new CustomEvent(type, { detail }));
    } catch (e) {
      // a listener's exception must not break the client
      setTimeout(() => { throw e; });
    }
  }

  /** Opens the connection (once); `connect()` calls it. */
  async open() {
    if (this._state !== 'idle') throw new DospError('argument', `open() on a client that is ${this._state}`);
    this._state = 'connecting';
    try {
      await this._openConnection(this.options.vip === null ? null : ipToInt(this.options.vip), false);
    } catch (e) {
      this._state = 'closed';
      throw e;
    }
  }

  async _openConnection(wantedVip, reconnecting) {
    const conn = new Connection(this);
    this._conn = conn;
    await conn.start(this.options.connectTimeout);
    if (this.options.extensions) await conn.negotiate(OFFERED_FEATURES);
    if (wantedVip !== null && wantedVip !== conn.vip) {
      try {
        await this._requestVipOn(conn, wantedVip);
      } catch (e) {
        if (!reconnecting) {
          conn.close('CC');
          throw e;
        }
        this._emit('error', new DospError('server', `could not get back vIP ${intToIp(wantedVip)}: ${e.message}`, { cause: e }));
      }
    }
    if (this.options.clientInfo) {
      const hash = this.options.clientHash || clientHash(this.options.storage === undefined ? globalThis.localStorage : this.options.storage);
      await conn.write(PacketType.CLIENT_INFO, utf8.encode(hash));
    }
    if (conn.closed) throw new DospError('closed', 'the connection ended during the handshake', { serverReason: conn.exitReason });
    conn.startHeartbeat();
    this._state = 'open';
    this._attempt = 0;
    this._emit('open', { vip: intToIp(conn.vip), reconnected: reconnecting });
  }

  _connectionLost(conn, reason, serverReason) {
    if (conn !== this._conn) return;
    for (const peer of conn.tunnels.keys()) this._mustTunnel.add(peer);
    // While connecting, open() reports the failure; while reconnecting, the retry loop does.
    if (this._state !== 'open') return;
    const reconnect = !this._closedByUser && this.options.reconnect && !NO_RECONNECT_REASONS.has(serverReason);
    if (!reconnect) {
      this._state = 'closed';
      this._emit('close', { reason, serverReason, reconnect: false });
      return;
    }
    this._state = 'reconnecting';
    this._emit('close', { reason, serverReason, reconnect: true });
    this._scheduleReconnect(reason);
  }

  _scheduleReconnect(reason) {
    const o = this.options;
    const ceiling = Math.min(o.reconnectMaxDelay, o.reconnectInitialDelay * 2 ** Math.min(this._attempt, 30));
    const delay = Math.round(ceiling * (0.5 + 0.5 * Math.random()));
    const attempt = ++this._attempt;
    this._emit('reconnecting', { attempt, delay, reason });
    this._reconnectTimer = setTimeout(async () => {
      this._reconnectTimer = null;
      if (this._closedByUser) return;
      const wanted = this.options.keepVip && this._vip !== null ? this._vip : null;
      try {
        await this._openConnection(wanted, true);
        this.stats.reconnects++;
      } catch (e) {
        if (this._closedByUser) return;
        if (e.serverReason && NO_RECONNECT_REASONS.has(e.serverReason)) {
          this._state = 'closed';
          this._emit('close', { reason: e.message, serverReason: e.serverReason, reconnect: false });
          return;
        }
        this._scheduleReconnect(e.message);
      }
    }, delay);
  }

  _live() {
    const c = this._conn;
    if (!c || this._state !== 'open' || !c.ready) {
      throw new DospError('closed', this._state === 'reconnecting' ? 'not connected (reconnecting)' : `not connected (${this._state})`);
    }
    return c;
  }

  /**
   * Sends data to a vIP. Through the tunnel when one is up (or being opened); a peer whose tunnel ended gets a
   * new tunnel first, never plain text. Resolves once the frame is handed to the WebSocket: `true` when it went
   * through a tunnel, `false` when plain.
   */
  async send(vip, data) {
    const peer = ipToInt(vip);
    const bytes = asBytes(data);
    const c = this._live();
    if (c.tunnels.has(peer) || c.pendingOpens.has(peer) || this._mustTunnel.has(peer)) {
      return this.sendSecure(peer, bytes);
    }
    if (bytes.length > 0 && bytes[0] === HC2C) {
      throw new DospError('argument', 'plain S2C data must not start with 0x15: every peer reads it as a tunnel handshake (use a tunnel)');
    }
    this._checkSize(bytes.length + 8);
    await c.write(PacketType.S2C, s2cBody(peer, c.vip, bytes));
    this.stats.messagesOut++;
    return false;
  }

  /** Sends data through a tunnel with the vIP, opening one first when there is none. Never plain; resolves `true`. */
  async sendSecure(vip, data) {
    const peer = ipToInt(vip);
    const bytes = asBytes(data);
    this._checkSize(bytes.length + 8 + TUNNEL_OVERHEAD);
    let c = this._live();
    await this.openTunnel(peer);
    c = this._live();
    const t = c.tunnels.get(peer);
    if (!t) throw new DospError('tunnel', `the tunnel with ${intToIp(peer)} ended before the message was sealed`);
    await c.writeWith(async () => {
      const now = c.tunnels.get(peer);
      if (now !== t) throw new DospError('tunnel', `the tunnel with ${intToIp(peer)} ended before the message was sealed`);
      const frame = await t.cipher.seal(bytes);
      this.stats.sealed++;
      return { type: PacketType.S2C, body: s2cBody(peer, c.vip, frame) };
    });
    this.stats.messagesOut++;
    return true;
  }

  _checkSize(n) {
    if (n > this.options.maxSendSize) {
      throw new DospError('limit', `an S2C body of ${n} bytes is over maxSendSize (${this.options.maxSendSize})`);
    }
  }

  /** Whether a tunnel with the vIP is up. */
  hasTunnel(vip) {
    return !!(this._conn && this._conn.tunnels.has(ipToInt(vip)));
  }

  /** The peers with a tunnel now (dotted). */
  tunnelPeers() {
    return this._conn ? [...this._conn.tunnels.keys()].map(intToIp) : [];
  }

  /** Opens a tunnel with the vIP (or joins the open under way); resolves when keys are set. */
  openTunnel(vip) {
    const peer = ipToInt(vip);
    const c = this._live();
    return c.openTunnel(peer);
  }

  /** Forgets the tunnel with the vIP; later sends are plain again. */
  closeTunnel(vip) {
    const peer = ipToInt(vip);
    this._mustTunnel.delete(peer);
    if (this._conn) {
      const t = this._conn.tunnels.get(peer);
      if (t) {
        this._conn.tunnels.delete(peer);
        this._emit('tunnel', { peer: intToIp(peer), state: 'ended', tunnel: t.id, reason: 'closed by this side' });
      }
    }
  }

  /** GCL: the vIPs of the server's clients (dotted). */
  async clients() {
    const body = await this._live().request(PacketType.GCL, new Uint8Array(0));
    const out = [];
    for (let i = 0; i + 4 <= body.length; i += 4) out.push(intToIp(u32(body, i)));
    return out;
  }

  /** PING (with a unique body unless one is given): resolves with the round trip in milliseconds. */
  async ping(payload) {
    const body = payload === undefined ? u64Bytes(++this._pings) : asBytes(payload);
    const t0 = performance.now();
    await this._live().request(PacketType.PING, body);
    return performance.now() - t0;
  }

  /** FN: calls a server function by name; resolves with its SA text, rejects on ERR FNF/FF. */
  async call(name) {
    if (typeof name !== 'string' || name.length === 0) throw new DospError('argument', 'a function name is a non-empty string');
    const body = await this._live().request(PacketType.FN, utf8.encode(name));
    return utf8Decoder.decode(body);
  }

  /** GSI: what the server knows about this client (a JSON object; ERR UKNP from a reference server). */
  async selfInfo() {
    const body = await this._live().request(PacketType.GSI, new Uint8Array(0));
    try {
      return JSON.parse(utf8Decoder.decode(body));
    } catch (e) {
      throw new DospError('protocol', 'GSI reply is not JSON');
    }
  }

  /** RQIP: asks the server for another vIP; resolves with the new vIP (dotted). */
  async requestVip(vip) {
    const c = this._live();
    await this._requestVipOn(c, ipToInt(vip));
    return intToIp(c.vip);
  }

  async _requestVipOn(conn, wanted) {
    const body = new Uint8Array(4);
    putU32(body, 0, wanted);
    await conn.request(PacketType.RQIP, body);
  }

  /** Sends a packet of a custom type (0x20-0xFF). */
  async sendPacket(type, body) {
    if (!Number.isInteger(type) || type < 0x20 || type > 0xff) throw new DospError('argument', 'custom packet types are 0x20-0xFF');
    const bytes = asBytes(body);
    this._checkSize(bytes.length);
    await this._live().write(type, bytes);
  }


  /** The client extension features the server enabled on this connection ('peer-gone', 'groups', ...). */
  get extensions() {
    return this._conn ? new Set(this._conn.extensions) : new Set();
  }

  // ---- groups, names, presence, network views (docs/network.md; servers of this project only)

  /** Joins a group (network-wide); resolves when the server accepted it. */
  async join(group) {
    await this._ext('groups', Ext.JOIN, encodeStr(group, 'group'));
  }

  /** Leaves a group; rejects with status NOT_MEMBER when not in it. */
  async leave(group) {
    await this._ext('groups', Ext.LEAVE, encodeStr(group, 'group'));
  }

  /**
   * Sends data to every member of a group on the network (but us), at most once each. Resolves with the server's
   * message id (hex) and the number of members it knew (0 is not an error).
   */
  async sendToGroup(group, data) {
    const bytes = asBytes(data);
    const r = await this._ext('groups', Ext.SEND, concatBytes(encodeStr(group, 'group'), bytes));
    if (r.length < 20) throw new DospError('protocol', 'SEND result shorter than msg_id(16) members(4)');
    return { messageId: toHex(r.subarray(0, 16)), members: u32(r, 16) };
  }

  /** The members of a group (dotted vIPs, ascending), every page fetched. */
  async members(group, max = 65536) {
    return this._paged('groups', Ext.MEMBERS, encodeStr(group, 'group'), max, (r, off) => [intToIp(u32(r, off)), off + 4], true);
  }

  /**
   * Registers a name for this client, unique on the network. Resolves with the token (hex) that re-claims it
   * after a reconnect within the grace period (pass it as `token`).
   */
  async registerName(name, token) {
    const parts = [encodeStr(name, 'name')];
    if (token !== undefined && token !== null) {
      const t = typeof token === 'string' ? fromHex(token) : asBytes(token);
      if (t.length !== 16) throw new DospError('argument', 'a name token is 16 bytes (32 hex digits)');
      parts.push(t);
    }
    const r = await this._ext('names', Ext.REGISTER, concatBytes(...parts));
    if (r.length !== 16) throw new DospError('protocol', 'REGISTER result is not a 16-byte token');
    return toHex(r);
  }

  /** Gives up a name; rejects with status NOT_FOUND when we do not hold it. */
  async unregisterName(name) {
    await this._ext('names', Ext.UNREGISTER, encodeStr(name, 'name'));
  }

  /** The vIP (dotted) holding a name anywhere on the network; rejects with status NOT_FOUND. */
  async resolve(name) {
    const r = await this._ext('names', Ext.RESOLVE, encodeStr(name, 'name'));
    if (r.length !== 4) throw new DospError('protocol', 'RESOLVE result is not a vIP');
    return intToIp(u32(r, 0));
  }

  /**
   * Watches a vIP, a name or a group: `{vip}`, `{name}` or `{group}` (a dotted string is a vIP). The current state
   * arrives as 'presence' events `joined`, then every change.
   */
  async watch(target) {
    await this._ext('presence', Ext.WATCH, encodeTarget(target));
  }

  /** Ends a watch; rejects with status NOT_FOUND when there was none. */
  async unwatch(target) {
    await this._ext('presence', Ext.UNWATCH, encodeTarget(target));
  }

  /** Every client on the network: `[{vip, user}]` (user '' when none). */
  async networkClients(max = 1 << 20) {
    return this._paged('network', Ext.CLIENTS, new Uint8Array(0), max, (r, off) => {
      const vip = intToIp(u32(r, off));
      const [user, next] = readStr(r, off + 4, true);
      return [{ vip, user }, next];
    });
  }

  /** Every group on the network: `[{group, members}]`. */
  async networkGroups(max = 1 << 20) {
    return this._paged('network', Ext.GROUPS, new Uint8Array(0), max, (r, off) => {
      const [group, next] = readStr(r, off);
      return [{ group, members: u32(r, next) }, next + 4];
    });
  }

  /** Every name on the network: `[{name, vip}]`. */
  async networkNames(max = 1 << 20) {
    return this._paged('network', Ext.NAMES, new Uint8Array(0), max, (r, off) => {
      const [name, next] = readStr(r, off);
      return [{ name, vip: intToIp(u32(r, next)) }, next + 4];
    });
  }

  _ext(feature, kind, payload) {
    const c = this._live();
    if (!c.extensions.has(feature)) {
      return Promise.reject(new DospError('unsupported', `the server did not enable '${feature}' on this connection (a reference server, an older server, or extensions: false)`));
    }
    return c.extRequest(kind, payload);
  }

  /** Pages a list: `offset(4)` goes before `rest` (MEMBERS: after), `total(4) count(2)` then entries. */
  async _paged(feature, kind, rest, max, readEntry, offsetFirst = true) {
    const out = [];
    let offset = 0;
    for (;;) {
      const off = new Uint8Array(4);
      putU32(off, 0, offset);
      const r = await this._ext(feature, kind, offsetFirst ? concatBytes(off, rest) : concatBytes(rest, off));
      if (r.length < 6) throw new DospError('protocol', 'list result shorter than total(4) count(2)');
      const total = u32(r, 0);
      const count = (r[4] << 8) | r[5];
      let p = 6;
      try {
        for (let i = 0; i < count; i++) {
          const [e, next] = readEntry(r, p);
          if (next > r.length) throw new DospError('protocol', 'list result cut short');
          out.push(e);
          p = next;
        }
      } catch (e) {
        throw e instanceof DospError ? e : new DospError('protocol', `list result unreadable: ${e.message}`);
      }
      offset += count;
      if (count === 0 || offset >= total) return out;
      if (out.length >= max) throw new DospError('limit', `more than ${max} entries`);
    }
  }

  /** Ends the session with EXIT `CC` (or `CC,reason`), closes the socket and stops reconnecting. */
  async close(reason) {
    this._closedByUser = true;
    if (this._reconnectTimer) {
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
    }
    const c = this._conn;
    const was = this._state;
    this._state = 'closed';
    if (c) await c.close(reason ? `CC,${reason}` : 'CC');
    if (was !== 'closed') this._emit('close', { reason: reason || 'closed by this side', serverReason: null, reconnect: false });
  }

  // ---- called by Connection

  _allowHandshake(peer) {
    if (!this._handshakes.take()) return false;
    let b = this._peerBuckets.get(peer);
    if (!b) {
      if (this._peerBuckets.size >= 4096) this._peerBuckets.delete(this._peerBuckets.keys().next().value);
      b = new Bucket(this.options.peerHandshakeBurst, this.options.peerHandshakesPerSecond);
      this._peerBuckets.set(peer, b);
    }
    return b.take();
  }

  _allowErrorReply() {
    return this._errorReplies.take();
  }
}

/** Client extension frames (EXT 0x1F, README "Client extension frames", docs/network.md): kinds. */
export const Ext = Object.freeze({
  HELLO: 0x01, WELCOME: 0x02, PEER_GONE: 0x20,
  JOIN: 0x50, LEAVE: 0x51, SEND: 0x52, GROUP_MESSAGE: 0x53, MEMBERS: 0x54, GROUPS_RESULT: 0x5f,
  REGISTER: 0x60, UNREGISTER: 0x61, RESOLVE: 0x62, NAME_LOST: 0x63, NAMES_RESULT: 0x6f,
  WATCH: 0x70, UNWATCH: 0x71, EVENT: 0x72, PRESENCE_RESULT: 0x7f,
  CLIENTS: 0x80, GROUPS: 0x81, NAMES: 0x82, NETWORK_RESULT: 0x8f,
  /** The feature a kind belongs to, or null. */
  featureOf(kind) {
    return { 0x2: 'peer-gone', 0x5: 'groups', 0x6: 'names', 0x7: 'presence', 0x8: 'network' }[kind >> 4] || null;
  },
});

/** What dosp.js offers in HELLO. */
const OFFERED_FEATURES = ['peer-gone', 'groups', 'names', 'presence', 'network'];
const RESULT_STATUS = ['OK', 'BAD_REQUEST', 'LIMIT', 'NOT_ALLOWED', 'NOT_MEMBER', 'TAKEN', 'NOT_FOUND', 'TOO_LARGE', 'UNAVAILABLE'];
const PEER_GONE_REASON = { 1: 'left', 2: 'moved', 3: 'kicked', 4: 'revoked', 5: 'dropped' };
const NETWORK_REASON = ['none', 'left', 'moved', 'kicked', 'revoked', 'dropped', 'unreachable', 'requested', 'conflict', 'expired'];
const NETWORK_STR = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** HELLO/WELCOME payload: `version(1)=1 count(1)` then count × `length(1) name`, with the kind in front. */
export function encodeFeatureList(kind, names) {
  const parts = [Uint8Array.of(kind, 1, names.length)];
  for (const n of names) {
    if (!/^[a-z0-9.-]{1,32}$/.test(n)) throw new DospError('argument', `bad feature name ${printable(n, 40)}`);
    parts.push(Uint8Array.of(n.length), utf8.encode(n));
  }
  return concatBytes(...parts);
}

/** The names of a HELLO/WELCOME payload (after the kind). */
export function parseFeatureList(p) {
  if (p.length < 2 || p[0] !== 1) throw new DospError('protocol', 'EXT feature list: bad version or cut short');
  const out = [];
  let o = 2;
  for (let i = 0; i < p[1]; i++) {
    if (o >= p.length || o + 1 + p[o] > p.length) throw new DospError('protocol', 'EXT feature list cut short');
    out.push(utf8Decoder.decode(p.subarray(o + 1, o + 1 + p[o])));
    o += 1 + p[o];
  }
  return out;
}

/** A group or name as `len(1) bytes`: 1-64 of a-z 0-9 . _ - starting with a letter or digit. */
export function encodeStr(s, what = 'name') {
  if (typeof s !== 'string' || !NETWORK_STR.test(s)) {
    throw new DospError('argument', `a ${what} is 1 to 64 characters of a-z 0-9 . _ - starting with a letter or digit, got ${printable(String(s), 70)}`);
  }
  return concatBytes(Uint8Array.of(s.length), utf8.encode(s));
}

function readStr(b, off, utf = false) {
  if (off >= b.length) throw new DospError('protocol', 'string cut short');
  const n = b[off];
  if (off + 1 + n > b.length) throw new DospError('protocol', 'string cut short');
  const s = (utf ? utf8Decoder : latin).decode(b.subarray(off + 1, off + 1 + n));
  return [utf ? printable(s, 64) : s, off + 1 + n];
}
const latin = new TextDecoder('latin1');

/** A presence target: `{vip}`, `{name}`, `{group}`, or a dotted vIP. */
export function encodeTarget(t) {
  if (typeof t === 'string' || typeof t === 'number') t = { vip: t };
  if (!t || typeof t !== 'object') throw new DospError('argument', 'a watch target is {vip}, {name} or {group}');
  if (t.vip !== undefined) {
    const b = new Uint8Array(5);
    b[0] = 1;
    putU32(b, 1, ipToInt(t.vip));
    return b;
  }
  if (t.name !== undefined) return concatBytes(Uint8Array.of(2), encodeStr(t.name, 'name'));
  if (t.group !== undefined) return concatBytes(Uint8Array.of(3), encodeStr(t.group, 'group'));
  throw new DospError('argument', 'a watch target is {vip}, {name} or {group}');
}

function readTarget(b, off) {
  const type = b[off];
  if (type === 1) {
    if (off + 5 > b.length) throw new DospError('protocol', 'target cut short');
    return [{ vip: intToIp(u32(b, off + 1)) }, off + 5];
  }
  if (type === 2 || type === 3) {
    const [s, next] = readStr(b, off + 1);
    return [type === 2 ? { name: s } : { group: s }, next];
  }
  throw new DospError('protocol', `unknown presence target type ${type}`);
}

function messageDetailOf(fields, data) {
  let text = null;
  return {
    ...fields,
    data,
    get text() {
      if (text === null) text = utf8Decoder.decode(data);
      return text;
    },
  };
}

/** One WebSocket connection of a client: codec, requests, tunnels. Internal. */
class Connection {
  constructor(client) {
    this.client = client;
    this.o = client.options;
    this.ws = null;
    this.reader = new FrameReader(this.o.maxFrameSize);
    this.vip = null;
    this.compression = false;
    this.hsk = null;
    this.ready = false;
    this.closed = false;
    this.exitReason = null;
    this.inChain = Promise.resolve();
    this.inBacklog = 0;
    this.outChain = Promise.resolve();
    this.pending = new Map(); // type -> [{resolve, reject, timer}]
    this.rqipDone = null;
    /** peer int -> {cipher, id, confirmed} */
    this.tunnels = new Map();
    /** peer int -> {keyPair, hello, promise, resolve, reject, timer} */
    this.pendingOpens = new Map();
    this.heartbeat = null;
    this.missed = 0;
    /** Features the server enabled (EXT WELCOME). */
    this.extensions = new Set();
    this.helloWait = null;
    /** req id -> {resolve, reject, timer, kind} of EXT requests (groups, names, presence, network). */
    this.extPending = new Map();
    this.extNext = 1;
  }

  /** EXT HELLO: resolves once WELCOME (or ERR UKNP from a reference server, or requestTimeout) says what is on. */
  negotiate(features) {
    return new Promise((resolve) => {
      const finish = (enabled) => {
        if (!this.helloWait) return;
        clearTimeout(this.helloWait.timer);
        this.helloWait = null;
        this.extensions = new Set(enabled.filter((f) => features.includes(f)));
        resolve();
      };
      this.helloWait = { finish, timer: setTimeout(() => finish([]), this.o.requestTimeout) };
      this.write(PacketType.EXT, encodeFeatureList(Ext.HELLO, features)).catch(() => finish([]));
    });
  }

  extRequest(kind, payload) {
    if (this.extPending.size >= this.o.maxPendingRequests) {
      return Promise.reject(new DospError('limit', `more than ${this.o.maxPendingRequests} extension requests waiting for a result`));
    }
    let req = this.extNext;
    while (this.extPending.has(req)) req = req >= 0xffffffff ? 1 : req + 1;
    this.extNext = req >= 0xffffffff ? 1 : req + 1;
    const body = new Uint8Array(1 + 4 + payload.length);
    body[0] = kind;
    putU32(body, 1, req);
    body.set(payload, 5);
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, kind };
      entry.timer = setTimeout(() => {
        this.extPending.delete(req);
        reject(new DospError('timeout', `no result for EXT kind 0x${kind.toString(16)} within ${this.o.requestTimeout} ms`));
      }, this.o.requestTimeout);
      this.extPending.set(req, entry);
      this.write(PacketType.EXT, body).catch((e) => {
        this.extPending.delete(req);
        clearTimeout(entry.timer);
        reject(e);
      });
    });
  }

  _onExt(body) {
    const c = this.client;
    if (body.length === 0) return;
    const kind = body[0];
    const p = body.subarray(1);
    try {
      if (kind === Ext.WELCOME) {
        if (this.helloWait) this.helloWait.finish(parseFeatureList(p));
        return;
      }
      const feature = Ext.featureOf(kind);
      if (!feature || !this.extensions.has(feature)) {
        c._emit('error', new DospError('protocol', `EXT kind 0x${kind.toString(16)} of a feature not enabled here (dropped)`));
        return;
      }
      if ((kind & 0x0f) === 0x0f && kind >= 0x50) {
        // RESULT: req(4) status(1) payload
        if (p.length < 5) throw new DospError('protocol', 'EXT RESULT shorter than req(4) status(1)');
        const req = u32(p, 0);
        const entry = this.extPending.get(req);
        if (!entry || (entry.kind & 0xf0) !== (kind & 0xf0)) return; // timed out already, or not ours
        this.extPending.delete(req);
        clearTimeout(entry.timer);
        const status = p[4];
        if (status === 0) entry.resolve(p.subarray(5));
        else {
          const statusName = RESULT_STATUS[status] || `status ${status}`;
          const text = printable(utf8Decoder.decode(p.subarray(5)));
          entry.reject(new DospError('network', `${statusName}${text ? `: ${text}` : ''}`, { status: statusName, text }));
        }
        return;
      }
      switch (kind) {
        case Ext.PEER_GONE: {
          if (p.length < 5) throw new DospError('protocol', 'PEER_GONE shorter than vip(4) reason(1)');
          const vip = u32(p, 0);
          const detail = { vip: intToIp(vip), reason: PEER_GONE_REASON[p[4]] || 'gone', code: p[4], text: printable(utf8Decoder.decode(p.subarray(5))) };
          this._failOpen(vip, new DospError('tunnel', `${detail.vip} is gone (${detail.reason})`));
          this._endTunnel(vip, `${detail.vip} is gone (${detail.reason}, PEER_GONE)`);
          c._emit('peergone', detail);
          return;
        }
        case Ext.GROUP_MESSAGE: {
          if (p.length < 21) throw new DospError('protocol', 'GROUP_MESSAGE cut short');
          const [group, next] = readStr(p, 20);
          c._emit('groupmessage', messageDetailOf({ group, from: intToIp(u32(p, 16)), id: toHex(p.subarray(0, 16)) }, p.subarray(next)));
          return;
        }
        case Ext.NAME_LOST: {
          const [name, next] = readStr(p, 0);
          if (p.length < next + 5) throw new DospError('protocol', 'NAME_LOST cut short');
          c._emit('namelost', { name, reason: NETWORK_REASON[p[next]] || `reason ${p[next]}`, winner: u32(p, next + 1) === 0 ? null : intToIp(u32(p, next + 1)) });
          return;
        }
        case Ext.EVENT: {
          const [target, next] = readTarget(p, 0);
          if (p.length < next + 6) throw new DospError('protocol', 'presence EVENT cut short');
          c._emit('presence', {
            target, event: p[next] === 1 ? 'joined' : p[next] === 2 ? 'left' : `event ${p[next]}`,
            vip: intToIp(u32(p, next + 1)), reason: NETWORK_REASON[p[next + 5]] || `reason ${p[next + 5]}`,
          });
          return;
        }
        default:
          c._emit('error', new DospError('protocol', `EXT kind 0x${kind.toString(16)} is not one this client reads (dropped)`));
      }
    } catch (e) {
      c._emit('error', e instanceof DospError ? e : new DospError('protocol', `bad EXT frame: ${printable(e.message)}`));
    }
  }

  start(timeoutMs) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this._teardown(err.message, null);
        reject(err);
      };
      const timer = setTimeout(() => fail(new DospError('timeout', `no DoSP handshake from ${this.client.url} within ${timeoutMs} ms`)), timeoutMs);
      this.onHandshake = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.ready = true;
        resolve();
      };
      this.onHandshakeFailed = fail;
      let ws;
      try {
        ws = new this.client._WebSocket(this.client.url);
      } catch (e) {
        fail(new DospError('connect', `cannot open ${this.client.url}: ${e.message || e}`));
        return;
      }
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (ev) => this._onMessage(ev.data);
      ws.onerror = () => {
        if (!this.ready) fail(new DospError('connect', `WebSocket to ${this.client.url} failed`));
      };
      ws.onclose = (ev) => {
        const why = this.exitReason !== null
          ? `the server ended the session: ${printable(this.exitReason) || '(no reason)'}`
          : `WebSocket closed (code ${ev.code}${ev.reason ? `, ${printable(ev.reason)}` : ''})`;
        if (!this.ready) {
          fail(new DospError('connect', `connection to ${this.client.url} closed before the handshake: ${why}`, { serverReason: this.exitReason }));
          return;
        }
        this._teardown(why, this.exitReason);
      };
    });
  }

  _onMessage(data) {
    if (this.closed) return;
    if (typeof data === 'string') {
      this.client.stats.textMessagesIgnored++; // the reference ignores text messages too
      return;
    }
    let frames;
    try {
      frames = this.reader.push(new Uint8Array(data));
    } catch (e) {
      this.client._emit('error', e);
      this._abort(e.message);
      return;
    }
    for (const f of frames) {
      if (this.inBacklog >= this.o.maxInboundBacklog) {
        const e = new DospError('limit', `more than ${this.o.maxInboundBacklog} frames waiting to be handled; connection closed`);
        this.client._emit('error', e);
        this._abort(e.message);
        return;
      }
      this.inBacklog++;
      this.inChain = this.inChain.then(() => this._handleFrame(f)).catch((e) => {
        this.client._emit('error', e instanceof DospError ? e : new DospError('protocol', String(e && e.message ? e.message : e)));
      }).finally(() => {
        this.inBacklog--;
      });
    }
  }

  async _handleFrame(f) {
    if (this.closed) return;
    this.client.stats.framesIn++;
    this.missed = 0;
    let body = f.body;
    if (this.compression && f.type !== PacketType.AIP && f.type !== PacketType.HSK) {
      body = await inflate(body, this.o.maxFrameSize);
    } else if (this.compression && f.type === PacketType.AIP && body.length > 4 && body[0] === 0x78) {
      // the reference server compresses the AIP that follows RQIP
      body = await inflate(body, 64);
    }
    if (f.type === PacketType.MPAK) {
      const { frames, truncated } = parseMpak(body);
      for (const sub of frames) {
        if (sub.type === PacketType.MPAK) {
          this.client._emit('error', new DospError('protocol', 'MPAK inside MPAK refused'));
          continue;
        }
        await this._handlePacket(sub.type, sub.body);
      }
      if (truncated) this.client._emit('error', new DospError('protocol', 'MPAK with a truncated last sub-frame (dropped)'));
      return;
    }
    await this._handlePacket(f.type, body);
  }

  async _handlePacket(type, body) {
    const c = this.client;
    switch (type) {
      case PacketType.AIP: {
        let v;
        try {
          v = parseAip(body);
        } catch (e) {
          if (!this.ready) this.onHandshakeFailed(new DospError('handshake', `bad AIP: ${e.message}`));
          else c._emit('error', new DospError('protocol', `bad AIP: ${e.message}`));
          return;
        }
        const changed = this.vip !== null && this.vip !== v;
        this.vip = v;
        c._vip = v;
        if (this.rqipDone) {
          const done = this.rqipDone;
          this.rqipDone = null;
          done(v);
        }
        if (changed && this.ready) c._emit('vip', { vip: intToIp(v) });
        return;
      }
      case PacketType.HSK: {
        let h;
        try {
          h = parseHsk(body);
        } catch (e) {
          this.onHandshakeFailed(e);
          return;
        }
        if (this.vip === null) {
          this.onHandshakeFailed(new DospError('handshake', 'the server sent HSK before AIP'));
          return;
        }
        this.hsk = h;
        this.compression = h.compression;
        this.onHandshake();
        return;
      }
      case PacketType.S2C:
        await this._onS2c(parseS2c(body));
        return;
      case PacketType.PING:
        this._settlePing(body);
        return;
      case PacketType.GCL:
        this._settle(PacketType.GCL, body);
        return;
      case PacketType.SA:
        this._settle(PacketType.FN, body);
        return;
      case PacketType.GSI:
        this._settle(PacketType.GSI, body);
        return;
      case PacketType.RQIP: {
        const text = utf8Decoder.decode(body);
        const q = this.pending.get(PacketType.RQIP);
        if (!q || q.length === 0) return;
        if (text.startsWith('D:')) {
          // the new vIP arrives in the AIP that follows
          const head = q[0];
          this.rqipDone = (v) => this._settle(PacketType.RQIP, v, head);
        } else {
          this._fail(PacketType.RQIP, new DospError('server', `RQIP refused: ${printable(text.startsWith('E:') ? text.slice(2) : text)}`));
        }
        return;
      }
      case PacketType.ERR:
        this._onErr(parseErr(body));
        return;
      case PacketType.EXIT:
        this.exitReason = utf8Decoder.decode(body);
        if (!this.ready) this.onHandshakeFailed(new DospError('connect', `the server refused the connection: ${printable(this.exitReason)}`, { serverReason: this.exitReason }));
        return;
      case PacketType.MSG:
        c._emit('broadcast', { text: utf8Decoder.decode(body) });
        return;
      case PacketType.EXT:
        this._onExt(body);
        return;
      default:
        if (type >= 0x20) c._emit('packet', { type, body });
        // other protocol types are not for clients: ignored
    }
  }

  _onErr(e) {
    const c = this.client;
    if (e.codeName === 'UKNP' && this.helloWait) {
      this.helloWait.finish([]); // a reference server does not know EXT: no extension
      return;
    }
    const err = new DospError('server', `server error: ${printable(describeErr(e))}`, {
      code: e.code, codeName: e.codeName, text: e.text, dst: e.dst === null ? null : intToIp(e.dst), reason: e.reason,
    });
    if (e.codeName === 'S2CF' && e.dst !== null) {
      this._failOpen(e.dst, new DospError('tunnel', `cannot open a tunnel with ${intToIp(e.dst)}: the server could not deliver to it (ERR S2CF${e.reason ? `: ${printable(e.reason)}` : ''})`));
      this._endTunnel(e.dst, `the server could not deliver to ${intToIp(e.dst)} (ERR S2CF)`);
    } else if ((e.codeName === 'FNF' || e.codeName === 'FF' || e.codeName === null) && this._waiting(PacketType.FN)) {
      this._fail(PacketType.FN, err);
      return;
    } else if (e.codeName === 'UKNP' && this._waiting(PacketType.GSI)) {
      this._fail(PacketType.GSI, new DospError('server', e.text ? `the server refused GSI: ${printable(e.text)}` : 'the server does not implement GSI (ERR UKNP)', { code: e.code, codeName: e.codeName }));
      return;
    } else if (e.codeName === 'GCLF' && this._waiting(PacketType.GCL)) {
      this._fail(PacketType.GCL, err);
      return;
    } else if (e.codeName === 'RQIPF' && this._waiting(PacketType.RQIP)) {
      this._fail(PacketType.RQIP, err);
      return;
    }
    c._emit('error', err);
  }

  // ---- requests

  _waiting(type) {
    const q = this.pending.get(type);
    return !!q && q.length > 0;
  }

  request(type, body) {
    const q = this.pending.get(type) || [];
    this.pending.set(type, q);
    if (q.length >= this.o.maxPendingRequests) {
      return Promise.reject(new DospError('limit', `more than ${this.o.maxPendingRequests} requests waiting for a reply`));
    }
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, timer: null, body: type === PacketType.PING ? body : null };
      entry.timer = setTimeout(() => {
        const i = q.indexOf(entry);
        if (i >= 0) q.splice(i, 1);
        reject(new DospError('timeout', `no reply to ${typeName(type)} within ${this.o.requestTimeout} ms`));
      }, this.o.requestTimeout);
      q.push(entry);
      this.write(type, body).catch((e) => {
        const i = q.indexOf(entry);
        if (i >= 0) q.splice(i, 1);
        clearTimeout(entry.timer);
        reject(e);
      });
    });
  }

  _settle(type, value, only) {
    const q = this.pending.get(type);
    if (!q || q.length === 0) return;
    if (only && q[0] !== only) return;
    const head = q.shift();
    clearTimeout(head.timer);
    head.resolve(value);
  }

  /**
   * Our server echoes a PING's body, so the reply to a PING that timed out cannot be taken for the next one's;
   * an empty reply (the reference's) goes to the oldest PING waiting.
   */
  _settlePing(body) {
    const q = this.pending.get(PacketType.PING);
    if (!q || q.length === 0) return;
    let i = 0;
    if (body.length > 0) {
      i = q.findIndex((e) => e.body && e.body.length === body.length && e.body.every((b, k) => b === body[k]));
      if (i < 0) return; // the echo of a PING that timed out
    }
    const [entry] = q.splice(i, 1);
    clearTimeout(entry.timer);
    entry.resolve(body);
  }

  _fail(type, err) {
    const q = this.pending.get(type);
    if (!q || q.length === 0) return;
    const head = q.shift();
    clearTimeout(head.timer);
    head.reject(err);
  }

  // ---- writing

  /** Writes one frame after those before it (compressing when the HSK said so). */
  write(type, body) {
    return this.writeWith(async () => ({ type, body }));
  }

  /** Runs `make` in write order and writes the frame it returns; a failure rejects only this write. */
  writeWith(make) {
    const run = this.outChain.then(async () => {
      if (this.closed || !this.ws) throw new DospError('closed', 'not connected');
      const { type, body } = await make();
      const wire = this.compression ? await deflate(body) : body;
      if (this.closed) throw new DospError('closed', 'not connected');
      if (this.ws.bufferedAmount > this.o.maxBufferedBytes) {
        throw new DospError('limit', `the WebSocket holds more than ${this.o.maxBufferedBytes} unsent bytes; message not sent`);
      }
      this.ws.send(encodeFrame(type, wire));
      this.client.stats.framesOut++;
    });
    this.outChain = run.catch(() => {});
    return run;
  }

  // ---- heartbeat

  startHeartbeat() {
    if (!this.o.heartbeatInterval) return;
    this.heartbeat = setInterval(() => {
      if (this.closed) return;
      if (++this.missed > this.o.heartbeatMisses) {
        this._abort(`no reply from the server for ${this.o.heartbeatMisses} heartbeats`);
        return;
      }
      this.request(PacketType.PING, u64Bytes(++this.client._pings)).catch(() => {});
    }, this.o.heartbeatInterval);
  }

  // ---- tunnels

  openTunnel(peer) {
    if (this.tunnels.has(peer)) return Promise.resolve();
    const held = this.pendingOpens.get(peer);
    if (held) return held.promise;
    if (this.tunnels.size + this.pendingOpens.size >= this.o.maxTunnels && !this._dropOldestHalfOpen()) {
      return Promise.reject(new DospError('tunnel', `the tunnel table is full (${this.o.maxTunnels})`));
    }
    const p = {};
    p.promise = new Promise((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
    });
    p.timer = setTimeout(() => this._failOpen(peer, new DospError('timeout', `no tunnel answer from ${intToIp(peer)} within ${this.o.tunnelTimeout} ms`)), this.o.tunnelTimeout);
    this.pendingOpens.set(peer, p);
    p.ready = (async () => {
      p.keyPair = await generateX25519();
      p.hello = { sessionId: newSessionId(), timestamp: Math.floor(Date.now() / 1000), publicKey: p.keyPair.publicKey };
      await this.write(PacketType.S2C, s2cBody(peer, this.vip, encodeHello(p.hello, ROLE_INITIATE)));
    })();
    p.ready.catch((e) => this._failOpen(peer, e instanceof DospError ? e : new DospError('tunnel', String(e))));
    p.promise.catch(() => {});
    return p.promise;
  }

  _failOpen(peer, err) {
    const p = this.pendingOpens.get(peer);
    if (!p) return;
    this.pendingOpens.delete(peer);
    clearTimeout(p.timer);
    p.reject(err);
  }

  _completeOpen(peer) {
    const p = this.pendingOpens.get(peer);
    if (!p) return;
    this.pendingOpens.delete(peer);
    clearTimeout(p.timer);
    p.resolve();
  }

  _endTunnel(peer, reason) {
    const t = this.tunnels.get(peer);
    if (!t) return;
    this.tunnels.delete(peer);
    this.client._mustTunnel.add(peer);
    this.client._emit('tunnel', { peer: intToIp(peer), state: 'ended', tunnel: t.id, reason });
  }

  _dropOldestHalfOpen() {
    for (const [peer, t] of this.tunnels) {
      if (!t.confirmed) {
        this.tunnels.delete(peer);
        this._replyError(peer, 'Tunnel dropped: too many half-open tunnels');
        this.client._emit('tunnel', { peer: intToIp(peer), state: 'ended', tunnel: t.id, reason: 'dropped: too many half-open tunnels' });
        return true;
      }
    }
    return false;
  }

  async _install(peer, keys, ours) {
    const cipher = await TunnelCipher.create(keys);
    const previous = this.tunnels.get(peer);
    const t = { cipher, id: ++this.client._tunnelIds, confirmed: ours };
    this.tunnels.delete(peer); // re-insert: the table's order is first-opened order of what is there now
    this.tunnels.set(peer, t);
    this.client._mustTunnel.delete(peer);
    if (previous) {
      this.client._emit('tunnel', { peer: intToIp(peer), state: 'replaced', tunnel: t.id, previous: previous.id, reason: 'a new handshake replaced the tunnel' });
    } else {
      this.client._emit('tunnel', { peer: intToIp(peer), state: 'open', tunnel: t.id, reason: ours ? 'opened by this side' : 'opened by the peer' });
    }
  }

  _replyError(peer, reason) {
    if (this.client._allowErrorReply()) {
      this.write(PacketType.S2C, s2cBody(peer, this.vip, errorFrame(reason))).catch(() => {});
    }
  }

  _refuse(peer, reason) {
    this.client.stats.handshakesRefused++;
    this._replyError(peer, reason);
  }

  async _onS2c(s) {
    const c = this.client;
    const data = s.data;
    // A hello is 49 (reference) or 50 (ours) bytes, a tunnel frame at least 60: a frame from a tunnel peer
    // whose nonce starts with 0x15 (a reference peer does not avoid it) is still a frame.
    if (data.length > 0 && data[0] === HC2C && (data.length < MIN_FRAME_LENGTH || !this.tunnels.has(s.src))) {
      await this._onHandshake(s.src, data);
      return;
    }
    const t = this.tunnels.get(s.src);
    if (t && data.length >= MIN_FRAME_LENGTH) {
      let plain;
      try {
        plain = await t.cipher.open(data);
      } catch (e) {
        c.stats.tunnelFramesRejected++;
        if (e.reason === 'reflected') c.stats.reflected++;
        c._emit('tunnelrejected', { peer: intToIp(s.src), reason: e.message });
        return;
      }
      t.confirmed = true;
      c.stats.opened++;
      c.stats.messagesIn++;
      c._emit('message', messageDetail(s, plain, true, t.id));
      return;
    }
    c.stats.messagesIn++;
    c._emit('message', messageDetail(s, data, false, null));
  }

  async _onHandshake(from, data) {
    const c = this.client;
    c.stats.handshakesReceived++;
    const kind = classifyHandshake(data);
    if (kind === 'error') {
      const reason = utf8Decoder.decode(data.subarray(2));
      if (this.pendingOpens.has(from)) {
        const why = reason === TUNNEL_EXISTS_REASON
          ? `the peer already has a tunnel with this vIP and refuses a new handshake (a reference client does this until it restarts): ${printable(reason)}`
          : `the peer refused the handshake: ${printable(reason)}`;
        this._failOpen(from, new DospError('tunnel', why));
      }
      return; // never answered: an error is not answered with an error
    }
    if (kind === 'legacy') {
      c.stats.handshakesRefused++;
      if (c._allowErrorReply()) this.write(PacketType.S2C, s2cBody(from, this.vip, utf8.encode(LEGACY_REFUSAL))).catch(() => {});
      return;
    }
    if (kind !== 'hello') {
      this._refuse(from, `Unknown handshake format, length=${data.length - 1}`);
      return;
    }
    const hello = parseHello(data);
    const p = this.pendingOpens.get(from);
    if (p) {
      await p.ready.catch(() => {});
      if (!this.pendingOpens.has(from) || !p.keyPair) return;
      if (hello.role === ROLE_INITIATE) {
        // Both opened at once: the higher vIP yields and answers; the lower waits for that answer.
        if ((this.vip >>> 0) > (from >>> 0)) {
          try {
            await this._respond(from, hello, p.keyPair, true);
            this._completeOpen(from);
          } catch (e) {
            this._failOpen(from, new DospError('tunnel', `the peer's hello is unusable: ${e.message}`));
          }
        }
        return;
      }
      let keys;
      try {
        const secret = await x25519(p.keyPair.privateKey, hello.publicKey);
        keys = await deriveTunnelKeys(secret, p.hello.sessionId, hello.sessionId);
      } catch (e) {
        c.stats.handshakesRefused++;
        this._failOpen(from, new DospError('tunnel', `the peer's answer is unusable: ${e.message}`));
        return;
      }
      await this._install(from, keys, true);
      this._completeOpen(from);
      return;
    }
    if (hello.role === ROLE_RESPOND) {
      c.stats.handshakesRefused++; // an answer no open of ours waits for
      return;
    }
    if (!c._allowHandshake(from)) {
      this._refuse(from, 'Too many tunnel handshakes; try again later');
      return;
    }
    const previous = this.tunnels.get(from);
    if (previous && !this.o.replaceTunnels) {
      this._refuse(from, TUNNEL_EXISTS_REASON);
      return;
    }
    if (!previous && this.tunnels.size + this.pendingOpens.size >= this.o.maxTunnels && !this._dropOldestHalfOpen()) {
      this._refuse(from, 'Too many tunnels');
      return;
    }
    try {
      await this._respond(from, hello, await generateX25519(), false);
    } catch (e) {
      this._refuse(from, `Failed DH c2c handshake: ${e.message}`);
    }
  }

  async _respond(from, initiatorHello, keyPair, ours) {
    const mine = { sessionId: newSessionId(), timestamp: Math.floor(Date.now() / 1000), publicKey: keyPair.publicKey };
    const secret = await x25519(keyPair.privateKey, initiatorHello.publicKey);
    const keys = await deriveTunnelKeys(secret, initiatorHello.sessionId, mine.sessionId);
    if (Math.abs(Number(initiatorHello.timestamp) - Date.now() / 1000) > MAX_CLOCK_SKEW_SECONDS) {
      this.client._emit('error', new DospError('tunnel', `tunnel hello from ${intToIp(from)} has a timestamp more than ${MAX_CLOCK_SKEW_SECONDS} s off (accepted)`));
    }
    // Answer first, then keys: the write is queued before any frame sealed with the new keys.
    this.write(PacketType.S2C, s2cBody(from, this.vip, encodeHello(mine, ROLE_RESPOND))).catch(() => {});
    await this._install(from, keys, ours);
  }

  // ---- closing

  async close(exitBody) {
    if (this.closed) return;
    const ws = this.ws;
    if (ws && ws.readyState === 1 && this.ready) {
      await this.write(PacketType.EXIT, utf8.encode(exitBody)).catch(() => {});
    }
    const closedEvent = ws && ws.readyState !== 3 ? new Promise((r) => ws.addEventListener('close', r, { once: true })) : null;
    this._teardown('closed by this side', null, true);
    if (ws && ws.readyState < 2) ws.close(1000, 'EXIT');
    if (closedEvent) {
      let timer;
      await Promise.race([closedEvent, new Promise((r) => { timer = setTimeout(r, 2000); })]);
      clearTimeout(timer);
    }
  }

  _abort(reason) {
    const ws = this.ws;
    this._teardown(reason, null);
    if (ws && ws.readyState < 2) ws.close(4000, 'protocol error');
  }

  _teardown(reason, serverReason, byUser = false) {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const err = new DospError('closed', `disconnected: ${reason}`, { serverReason });
    for (const q of this.pending.values()) {
      for (const e of q.splice(0)) {
        clearTimeout(e.timer);
        e.reject(err);
      }
    }
    for (const peer of [...this.pendingOpens.keys()]) this._failOpen(peer, new DospError('tunnel', `disconnected before the tunnel with ${intToIp(peer)} was open`));
    for (const e of this.extPending.values()) {
      clearTimeout(e.timer);
      e.reject(err);
    }
    this.extPending.clear();
    if (this.helloWait) this.helloWait.finish([]);
    if (!byUser) this.client._connectionLost(this, reason, serverReason);
  }
}

function typeName(type) {
  for (const [k, v] of Object.entries(PacketType)) if (v === type) return k;
  return `0x${type.toString(16)}`;
}

function messageDetail(s, data, secure, tunnel) {
  let text = null;
  return {
    from: intToIp(s.src),
    to: intToIp(s.dst),
    data,
    get text() {
      if (text === null) text = utf8Decoder.decode(data);
      return text;
    },
    secure,
    tunnel,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Messaging: the envelope, calls and streams of docs/messaging.md (the Java module dosp-messaging speaks the same
// bytes). An envelope is S2C DATA, plain or inside a tunnel; servers never read it.

/** Envelope kinds (docs/messaging.md section 1). */
export const EnvelopeKind = Object.freeze({
  MESSAGE: 0x01, REQUEST: 0x02, RESPONSE: 0x03, ERROR: 0x04, STREAM_OPEN: 0x05, STREAM_CHUNK: 0x06,
  STREAM_END: 0x07, CREDIT: 0x08, CANCEL: 0x09,
});

/** Envelope body encodings. dosp.js reads and writes RAW, JSON and TEXT; MSGPACK is answered ERROR UNSUPPORTED. */
export const ContentType = Object.freeze({ RAW: 0x00, JSON: 0x01, MSGPACK: 0x02, TEXT: 0x03 });

/** The first byte of a version-1 envelope (0xD0 | 1). */
export const ENVELOPE_MAGIC = 0xd1;
/** Set in an envelope's flags when its id was allocated by its receiver (responses, errors, credit). */
export const FLAG_REPLY = 0x01;
const ENVELOPE_HEADER = 8;
const MAX_ENVELOPE_NAME = 255;
const K = EnvelopeKind;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether bytes start like an envelope of any version (high nibble 0xD). */
export function isEnvelope(data) {
  return !!data && data.length > 0 && (data[0] & 0xf0) === 0xd0;
}

/**
 * The bytes of an envelope `{kind, flags, id, name, contentType, body}`:
 * `magic(1)=0xD1 kind(1) flags(1) id(4, big-endian) name_len(1) name(UTF-8) content_type(1) body`.
 */
export function encodeEnvelope({ kind, flags = 0, id = 0, name = '', contentType = ContentType.RAW, body = new Uint8Array(0) }) {
  if (!Number.isInteger(kind) || kind < K.MESSAGE || kind > K.CANCEL) throw new DospError('argument', `envelope kind ${kind} is not one of 1..9`);
  if (!Number.isInteger(flags) || (flags & ~FLAG_REPLY) !== 0) throw new DospError('argument', `envelope flags ${flags} has bits other than REPLY`);
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new DospError('argument', `envelope id ${id} is not an unsigned 32-bit number`);
  if (!Number.isInteger(contentType) || contentType < 0 || contentType > 255) throw new DospError('argument', `content type ${contentType} is not a byte`);
  const n = utf8.encode(name || '');
  if (n.length > MAX_ENVELOPE_NAME) throw new DospError('argument', `envelope name is longer than ${MAX_ENVELOPE_NAME} UTF-8 bytes`);
  const b = asBytes(body, 'body');
  const out = new Uint8Array(ENVELOPE_HEADER + n.length + 1 + b.length);
  out[0] = ENVELOPE_MAGIC;
  out[1] = kind;
  out[2] = flags;
  putU32(out, 3, id);
  out[7] = n.length;
  out.set(n, ENVELOPE_HEADER);
  out[ENVELOPE_HEADER + n.length] = contentType;
  out.set(b, ENVELOPE_HEADER + n.length + 1);
  return out;
}

/**
 * Reads an envelope; throws a DospError of kind 'protocol' when the bytes are not a version-1 envelope (wrong magic
 * or version, cut short, unknown kind or flag, a name that is not UTF-8). The body is a view into `data`.
 */
export function decodeEnvelope(data) {
  if (!isEnvelope(data)) throw new DospError('protocol', 'not an envelope (first byte is not 0xD?)');
  if (data[0] !== ENVELOPE_MAGIC) throw new DospError('protocol', `envelope version ${data[0] & 0x0f} is not supported (this build reads 1)`, { version: data[0] & 0x0f });
  if (data.length < ENVELOPE_HEADER + 1) throw new DospError('protocol', `envelope cut short: ${data.length} bytes`);
  const kind = data[1];
  const flags = data[2];
  if (kind < K.MESSAGE || kind > K.CANCEL) throw new DospError('protocol', `envelope kind ${kind} is not one of 1..9`);
  if ((flags & ~FLAG_REPLY) !== 0) throw new DospError('protocol', `envelope flags ${flags} has bits other than REPLY`);
  const id = u32(data, 3);
  const nameLength = data[7];
  if (data.length < ENVELOPE_HEADER + nameLength + 1) throw new DospError('protocol', `envelope cut short: name of ${nameLength} bytes in ${data.length}`);
  let name;
  try {
    name = strictUtf8.decode(data.subarray(ENVELOPE_HEADER, ENVELOPE_HEADER + nameLength));
  } catch (e) {
    throw new DospError('protocol', 'envelope name is not UTF-8');
  }
  return { kind, flags, id, name, contentType: data[ENVELOPE_HEADER + nameLength], body: data.subarray(ENVELOPE_HEADER + nameLength + 1) };
}

/**
 * Encodes a value as an envelope body: JSON (`undefined` is `null`), RAW (bytes) or TEXT (a string).
 * MessagePack is not offered: dosp.js is one file without dependencies, and a MessagePack codec would be a second
 * file for every page and the server jar; a JVM peer uses JSON with it (its default).
 */
export function encodeBody(value, contentType = ContentType.JSON) {
  switch (contentType) {
    case ContentType.JSON: {
      const s = JSON.stringify(value === undefined ? null : value);
      if (s === undefined) throw new DospError('argument', 'the value has no JSON form');
      return utf8.encode(s);
    }
    case ContentType.RAW: return asBytes(value, 'a raw body');
    case ContentType.TEXT:
      if (typeof value !== 'string') throw new DospError('argument', 'a text body is a string');
      return utf8.encode(value);
    default:
      throw new MessagingError('UNSUPPORTED', `content type ${contentType} is not written by dosp.js (JSON, text and raw are)`);
  }
}

/** Decodes an envelope body; content types other than JSON, RAW, TEXT throw a MessagingError UNSUPPORTED. */
export function decodeBody(contentType, body) {
  switch (contentType) {
    case ContentType.JSON:
      try {
        return JSON.parse(strictUtf8.decode(body));
      } catch (e) {
        throw new MessagingError('BAD_ARGUMENTS', `the body is not JSON: ${printable(e.message, 80)}`);
      }
    case ContentType.RAW: return body;
    case ContentType.TEXT:
      try {
        return strictUtf8.decode(body);
      } catch (e) {
        throw new MessagingError('BAD_ARGUMENTS', 'the text body is not UTF-8');
      }
    case ContentType.MSGPACK:
      throw new MessagingError('UNSUPPORTED', 'this peer (dosp.js) reads JSON, text and raw bodies, not MessagePack');
    default:
      throw new MessagingError('UNSUPPORTED', `content type ${contentType} is not one dosp.js reads`);
  }
}

/**
 * A messaging error. `code` is one of the wire codes (NO_SUCH_METHOD, BAD_ARGUMENTS, HANDLER_FAILED,
 * TOO_MANY_CALLS, UNSUPPORTED, CANCELLED, INTEGRITY, TOO_LARGE) or a local one (TIMEOUT, PEER_GONE,
 * DISCONNECTED, SEND_FAILED); `remote` is true when the peer sent it; `field` names a bad argument.
 * A handler may throw one to answer with that code.
 */
export class MessagingError extends DospError {
  constructor(code, message, extra = {}) {
    super('messaging', message, { remote: false, field: null, ...extra });
    this.name = 'MessagingError';
    this.code = code;
  }

  /** The wire form: `{"code", "message"[, "field"]}`. */
  toJSON() {
    const o = { code: this.code, message: this.message };
    if (this.field) o.field = this.field;
    return o;
  }
}

const WIRE_CODES = new Set(['NO_SUCH_METHOD', 'BAD_ARGUMENTS', 'HANDLER_FAILED', 'TOO_MANY_CALLS', 'UNSUPPORTED', 'CANCELLED', 'INTEGRITY', 'TOO_LARGE']);

// SHA-256 (FIPS 180-4), incremental. WebCrypto's digest() takes the whole input at once, and a stream is checked
// chunk by chunk as it arrives (a 100 MiB file must not be held in memory to hash it), so this is hand-written.
const SHA256_K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Incremental SHA-256: `update(bytes)` any number of times, then `digest()` (32 bytes; once). */
export class Sha256 {
  constructor() {
    this._h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this._block = new Uint8Array(64);
    this._used = 0;
    this._length = 0; // bytes, up to 2^53
    this._w = new Uint32Array(64);
    this._done = false;
  }

  /** Adds bytes; returns this. */
  update(data) {
    if (this._done) throw new DospError('argument', 'Sha256.update after digest');
    const bytes = asBytes(data);
    this._length += bytes.length;
    let i = 0;
    if (this._used > 0) {
      const take = Math.min(64 - this._used, bytes.length);
      this._block.set(bytes.subarray(0, take), this._used);
      this._used += take;
      i = take;
      if (this._used < 64) return this;
      this._compress(this._block, 0);
      this._used = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this._compress(bytes, i);
    if (i < bytes.length) {
      this._block.set(bytes.subarray(i), 0);
      this._used = bytes.length - i;
    }
    return this;
  }

  /** The 32-byte digest of everything added. */
  digest() {
    if (this._done) throw new DospError('argument', 'Sha256.digest twice');
    const bits = this._length * 8;
    const pad = new Uint8Array((this._used < 56 ? 56 : 120) - this._used + 8);
    pad[0] = 0x80;
    const hi = Math.floor(bits / 0x100000000);
    putU32(pad, pad.length - 8, hi >>> 0);
    putU32(pad, pad.length - 4, bits >>> 0);
    this.update(pad);
    this._done = true;
    const out = new Uint8Array(32);
    for (let j = 0; j < 8; j++) putU32(out, j * 4, this._h[j]);
    return out;
  }

  _compress(b, off) {
    const w = this._w;
    for (let t = 0; t < 16; t++) w[t] = u32(b, off + t * 4);
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    const h = this._h;
    let a = h[0]; let bb = h[1]; let c = h[2]; let d = h[3]; let e = h[4]; let f = h[5]; let g = h[6]; let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + SHA256_K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
}

const MESSENGER_DEFAULTS = Object.freeze({
  /** Every envelope through a tunnel (sendSecure); otherwise the client's send (a tunnel when one is up). */
  tunnel: false,
  /** How long a call waits for its answer (ms); per call: `call(..., {timeout})`. */
  timeout: 30000,
  /** Our calls and streams in flight to one peer; one more rejects at once with TOO_MANY_CALLS. */
  maxCallsInFlight: 256,
  /** A peer's calls in flight here; one more is answered ERROR TOO_MANY_CALLS. */
  maxIncomingCalls: 64,
  /** All peers' calls in flight here together. */
  maxIncomingCallsTotal: 1024,
  /** A peer's streams open here, and all peers' together. */
  maxIncomingStreams: 8,
  maxIncomingStreamsTotal: 64,
  /** Largest stream accepted (bytes; a declared or actual size over it is answered TOO_LARGE). */
  maxStreamSize: 1024 * 1024 * 1024,
  /** Receive window of a stream: chunk bytes granted and not yet read by the application. */
  streamWindow: 256 * 1024,
  /** Largest chunk sent (the S2C body limit of a server is 1 MiB; tunnel overhead and the envelope header fit). */
  chunkSize: 16 * 1024,
  /** A stream sender waiting this long (ms) for credit checks that the receiver is still there ($discover). */
  probeInterval: 15000,
  /** Peers whose id counters and counts are kept (the oldest idle one is forgotten past it). */
  maxPeers: 4096,
});

/**
 * Calls, named messages and streams (docs/messaging.md) over a DospClient, or anything with the same `send(vip,
 * bytes)`, `sendSecure(vip, bytes)` and `on(type, fn)` ('message', 'error', 'close'). It mirrors the Java
 * Messenger of dosp-messaging: `on(name, fn)` handlers, `method(name, fn)` methods, `call(vip, name, args)`,
 * `discover(vip)`, `stream(name, fn)` and `sendStream(vip, name, data)`.
 *
 * Calls and streams in flight to a vIP fail at once with PEER_GONE when the server reports ERR S2CF for it, and all
 * of them with DISCONNECTED when the client's connection ends. Events (`on` with 'error', 'unhandled'):
 * 'unhandled' `{from, name}` for a MESSAGE without a handler, 'error' a DospError for a malformed envelope or a
 * handler that threw.
 */
export class Messenger extends EventTarget {
  constructor(client, options = {}) {
    super();
    for (const k of Object.keys(options)) {
      if (!(k in MESSENGER_DEFAULTS)) throw new DospError('argument', `unknown Messenger option ${printable(k, 40)}`);
    }
    this.client = client;
    this.options = { ...MESSENGER_DEFAULTS, ...options };
    if (this.options.chunkSize < 1 || this.options.chunkSize > 65000) throw new DospError('argument', 'chunkSize is 1..65000');
    this._handlers = new Map();
    this._methods = new Map();
    this._streamHandlers = new Map();
    /** peer(int) -> {nextId, out: Map id -> call|stream, inCalls: Map id -> AbortController, inStreams: Map id -> IncomingStream} */
    this._peers = new Map();
    this._inStreamsTotal = 0;
    this._inCallsTotal = 0;
    this._closed = false;
    this.stats = {
      messagesIn: 0, messagesOut: 0, callsIn: 0, callsOut: 0, malformed: 0, unhandled: 0, lateAnswers: 0,
      streamsIn: 0, streamsOut: 0, refused: 0,
    };
    this._unsubscribe = [
      client.on('message', (m) => this._onData(m)),
      client.on('error', (e) => {
        if (e && e.kind === 'server' && e.codeName === 'S2CF' && e.dst) {
          this._peerGone(ipToInt(e.dst), `the server could not deliver to ${e.dst} (ERR S2CF${e.reason ? `: ${printable(e.reason)}` : ''})`);
        }
      }),
      client.on('close', (d) => this._failAll('DISCONNECTED', `the connection ended${d && d.reason ? `: ${printable(d.reason)}` : ''}`)),
      // the server's PEER_GONE notice (feature peer-gone), and a watched vIP that left (feature presence)
      client.on('peergone', (d) => this._peerGone(ipToInt(d.vip), `${d.vip} is gone (${d.reason}, PEER_GONE)`)),
      client.on('presence', (d) => {
        if (d.event === 'left' && d.target && d.target.vip === d.vip) this._peerGone(ipToInt(d.vip), `${d.vip} left (${d.reason}, presence)`);
      }),
    ];
  }

  /** Adds an event listener; returns a function that removes it. */
  on(type, fn, schema) {
    if (type === 'error' || type === 'unhandled') {
      const h = (e) => fn(e.detail, e);
      this.addEventListener(type, h);
      return () => this.removeEventListener(type, h);
    }
    return this.handle(type, fn, schema);
  }

  /** The handler of named messages `name`: `fn(payload, {from, name, secure})`. Replaces an earlier one. */
  handle(name, fn, schema = undefined) {
    checkName(name);
    if (typeof fn !== 'function') throw new DospError('argument', 'a handler is a function');
    this._handlers.set(name, { fn, type: schema && schema.type });
    return () => { if (this._handlers.get(name)?.fn === fn) this._handlers.delete(name); };
  }

  /**
   * A method callers reach with `call(vip, name, args)`: `fn(...args, {from, name, signal})` returns the result
   * (or a Promise of it). `schema` `{params: [{name, type}], result: {type}}` is what `$discover` shows; the
   * arguments are checked against it (count and JSON types) and refused BAD_ARGUMENTS with the field named.
   */
  method(name, fn, schema = {}) {
    checkName(name);
    if (typeof fn !== 'function') throw new DospError('argument', 'a method is a function');
    this._methods.set(name, { fn, params: schema.params || null, result: schema.result || null });
    return () => { if (this._methods.get(name)?.fn === fn) this._methods.delete(name); };
  }

  /** The handler of incoming streams `name`: `fn(stream)` with an IncomingStream (read it, or cancel it). */
  stream(name, fn) {
    checkName(name);
    if (typeof fn !== 'function') throw new DospError('argument', 'a stream handler is a function');
    this._streamHandlers.set(name, fn);
    return () => { if (this._streamHandlers.get(name) === fn) this._streamHandlers.delete(name); };
  }

  /** What `$discover` answers: our methods, handlers and stream handlers. */
  schema() {
    const methods = [...this._methods].map(([name, m]) => {
      const o = { name, params: m.params || [] };
      if (m.result) o.result = m.result;
      return o;
    });
    const handlers = [...this._handlers].map(([name, h]) => (h.type ? { name, type: h.type } : { name }));
    return { methods, handlers, streams: [...this._streamHandlers.keys()] };
  }

  /** A named message (MESSAGE): JSON by default, raw for bytes; `{contentType}` to choose (ContentType). */
  async send(vip, name, payload, options = {}) {
    checkName(name);
    const ct = options.contentType ?? defaultContentType(payload);
    const peer = ipToInt(vip);
    await this._write(peer, { kind: K.MESSAGE, name, contentType: ct, body: encodeBody(payload, ct) });
    this.stats.messagesOut++;
  }

  /**
   * Calls a method of the vIP: resolves with its result, rejects with a MessagingError (NO_SUCH_METHOD,
   * BAD_ARGUMENTS, HANDLER_FAILED, TOO_MANY_CALLS, UNSUPPORTED from the peer; TIMEOUT, PEER_GONE, DISCONNECTED,
   * CANCELLED, SEND_FAILED here). `args` is the array of positional arguments. `{timeout, signal}`: an aborted
   * signal sends CANCEL and rejects CANCELLED.
   */
  call(vip, name, args = [], options = {}) {
    try {
      checkName(name, true);
      if (!Array.isArray(args)) throw new DospError('argument', 'call arguments are an array (positional)');
    } catch (e) {
      return Promise.reject(e);
    }
    const peer = ipToInt(vip);
    const timeout = options.timeout ?? this.options.timeout;
    return new Promise((resolve, reject) => {
      let id;
      try {
        id = this._allocate(peer);
      } catch (e) {
        reject(e);
        return;
      }
      const p = this._peer(peer);
      const entry = {
        type: 'call', name,
        settle: (err, value) => {
          if (p.out.get(id) !== entry) return;
          p.out.delete(id);
          clearTimeout(entry.timer);
          if (entry.abort) options.signal.removeEventListener('abort', entry.abort);
          if (err) reject(err); else resolve(value);
        },
      };
      p.out.set(id, entry);
      if (timeout > 0) {
        entry.timer = setTimeout(() => entry.settle(new MessagingError('TIMEOUT', `no answer from ${intToIp(peer)} to ${printable(name, 60)} in ${timeout} ms`)), timeout);
      }
      if (options.signal) {
        if (options.signal.aborted) {
          entry.settle(new MessagingError('CANCELLED', 'cancelled before it was sent'));
          return;
        }
        entry.abort = () => {
          this._write(peer, { kind: K.CANCEL, id, contentType: ContentType.TEXT, body: utf8.encode('cancelled by the caller') }).catch(() => {});
          entry.settle(new MessagingError('CANCELLED', 'cancelled by this side'));
        };
        options.signal.addEventListener('abort', entry.abort, { once: true });
      }
      this.stats.callsOut++;
      this._write(peer, { kind: K.REQUEST, id, name, contentType: ContentType.JSON, body: encodeBody(args) })
        .catch((e) => entry.settle(sendFailure(e, peer)));
    });
  }

  /** `$discover`: the vIP's methods, handlers and stream handlers (docs/messaging.md section 3). */
  discover(vip, options = {}) {
    return this.call(vip, '$discover', [], options);
  }

  /**
   * Streams bytes to the vIP's stream handler `name` with credit flow control: `data` is a Uint8Array, a string, a
   * Blob (a File from an input), a ReadableStream or an async iterable of Uint8Array. `options`: `meta` (`name`,
   * `size` — the length when known, else -1 —, `contentType`), `onProgress(sentBytes, size)`, `signal` (CANCEL),
   * `timeout` (for the acceptance and the final answer, not for a slow reader). Resolves with the receiver's
   * `{bytes, sha256}`; rejects with a MessagingError.
   */
  async sendStream(vip, name, data, options = {}) {
    checkName(name);
    const peer = ipToInt(vip);
    const source = streamSource(data, this.options.chunkSize);
    const meta = { name: 'data', contentType: 'application/octet-stream', ...(options.meta || {}) };
    if (meta.size === undefined) meta.size = source.size;
    const timeout = options.timeout ?? this.options.timeout;
    const id = this._allocate(peer);
    const p = this._peer(peer);
    const out = new OutgoingStream();
    out.name = name;
    p.out.set(id, out);
    const abort = () => {
      this._write(peer, { kind: K.CANCEL, id, contentType: ContentType.TEXT, body: utf8.encode('cancelled by the sender') }).catch(() => {});
      out.fail(new MessagingError('CANCELLED', 'cancelled by this side'));
    };
    if (options.signal) {
      if (options.signal.aborted) out.fail(new MessagingError('CANCELLED', 'cancelled before it was sent'));
      else options.signal.addEventListener('abort', abort, { once: true });
    }
    const hash = new Sha256();
    let sent = 0;
    try {
      this.stats.streamsOut++;
      if (out.error) throw out.error;
      await this._write(peer, { kind: K.STREAM_OPEN, id, name, contentType: ContentType.JSON, body: encodeBody(meta) });
      await out.waitCredit(1, timeout, `${intToIp(peer)} did not accept the stream in ${timeout} ms`);
      for await (const piece of source.chunks()) {
        let off = 0;
        while (off < piece.length) {
          const allowed = await this._creditOrProbe(out, peer);
          const n = Math.min(allowed, piece.length - off, this.options.chunkSize);
          const chunk = piece.subarray(off, off + n);
          out.credit -= n;
          hash.update(chunk);
          await this._write(peer, { kind: K.STREAM_CHUNK, id, contentType: ContentType.RAW, body: chunk });
          off += n;
          sent += n;
          if (out.error) throw out.error;
          if (options.onProgress) options.onProgress(sent, meta.size);
        }
      }
      await this._write(peer, { kind: K.STREAM_END, id, contentType: ContentType.RAW, body: hash.digest() });
      return await out.waitResult(timeout, `${intToIp(peer)} did not confirm the stream in ${timeout} ms`);
    } catch (e) {
      const err = e instanceof MessagingError ? e : sendFailure(e, peer);
      out.fail(err);
      throw err;
    } finally {
      if (options.signal) options.signal.removeEventListener('abort', abort);
      if (p.out.get(id) === out) p.out.delete(id);
      if (source.close) source.close();
    }
  }

  /**
   * Waits for stream credit without a deadline (a slow reader is allowed), but a receiver that vanished without a
   * word would leave us waiting forever: every probeInterval ms without credit a `$discover` goes to it, so ERR
   * S2CF (it is gone) fails the stream with PEER_GONE.
   */
  async _creditOrProbe(out, peer) {
    for (;;) {
      try {
        return await out.waitCredit(1, this.options.probeInterval, 'no credit');
      } catch (e) {
        if (out.error || !(e instanceof MessagingError) || e.code !== 'TIMEOUT') throw e;
        this.call(intToIp(peer), '$discover', []).catch(() => {});
      }
    }
  }

  /** Stops listening to the client; every call and stream in flight fails DISCONNECTED. */
  close() {
    if (this._closed) return;
    this._closed = true;
    for (const u of this._unsubscribe) u();
    this._failAll('DISCONNECTED', 'the messenger was closed');
  }

  // ---- internals

  _peer(peer) {
    let p = this._peers.get(peer);
    if (!p) {
      if (this._peers.size >= this.options.maxPeers) {
        for (const [k, v] of this._peers) {
          if (v.out.size === 0 && v.inCalls.size === 0 && v.inStreams.size === 0) {
            this._peers.delete(k);
            break;
          }
        }
      }
      p = { nextId: 1, out: new Map(), inCalls: new Map(), inStreams: new Map() };
      this._peers.set(peer, p);
    }
    return p;
  }

  _allocate(peer) {
    if (this._closed) throw new MessagingError('DISCONNECTED', 'the messenger was closed');
    const p = this._peer(peer);
    if (p.out.size >= this.options.maxCallsInFlight) {
      throw new MessagingError('TOO_MANY_CALLS', `${p.out.size} calls and streams in flight to ${intToIp(peer)} (maxCallsInFlight)`);
    }
    let id = p.nextId;
    while (p.out.has(id)) id = id >= 0xffffffff ? 1 : id + 1;
    p.nextId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  _write(peer, envelope) {
    const bytes = encodeEnvelope(envelope);
    return this.options.tunnel ? this.client.sendSecure(intToIp(peer), bytes) : this.client.send(intToIp(peer), bytes);
  }

  _reply(peer, kind, id, contentType, body) {
    return this._write(peer, { kind, flags: FLAG_REPLY, id, contentType, body }).catch((e) => this._emitError(e));
  }

  _replyError(peer, id, err) {
    this.stats.refused++;
    const o = { code: WIRE_CODES.has(err.code) ? err.code : 'HANDLER_FAILED', message: String(err.message || err.code || 'failed').slice(0, 1000) };
    if (err.field) o.field = String(err.field).slice(0, 200);
    return this._reply(peer, K.ERROR, id, ContentType.JSON, encodeBody(o));
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _emitError(e) {
    this._emit('error', e instanceof DospError ? e : new DospError('messaging', String(e && e.message ? e.message : e)));
  }

  _peerGone(peer, why) {
    const p = this._peers.get(peer);
    if (!p) return;
    for (const entry of [...p.out.values()]) failEntry(entry, new MessagingError('PEER_GONE', why));
    for (const ac of p.inCalls.values()) ac.abort();
    p.inCalls.clear();
    for (const s of [...p.inStreams.values()]) s._fail(new MessagingError('PEER_GONE', why), false);
  }

  _failAll(code, why) {
    for (const peer of [...this._peers.keys()]) {
      const p = this._peers.get(peer);
      for (const entry of [...p.out.values()]) failEntry(entry, new MessagingError(code, why));
      for (const ac of p.inCalls.values()) ac.abort();
      p.inCalls.clear();
      for (const s of [...p.inStreams.values()]) s._fail(new MessagingError(code, why), false);
    }
  }

  _onData(m) {
    const data = m.data;
    if (this._closed || !isEnvelope(data)) return;
    const peer = ipToInt(m.from);
    let env;
    try {
      env = decodeEnvelope(data);
    } catch (e) {
      this.stats.malformed++;
      // A later version with an id to answer (its header read as ours): a REQUEST or STREAM_OPEN gets UNSUPPORTED.
      if (e.version !== undefined && data.length >= 7 && (data[1] === K.REQUEST || data[1] === K.STREAM_OPEN) && data[2] === 0) {
        this._replyError(peer, u32(data, 3), new MessagingError('UNSUPPORTED', `envelope version ${e.version} is not read here (version 1 is)`));
      }
      this._emitError(new DospError('protocol', `malformed envelope from ${m.from}: ${e.message}`, { from: m.from }));
      return;
    }
    const reply = (env.flags & FLAG_REPLY) !== 0;
    const ctx = { from: m.from, name: env.name, secure: !!m.secure };
    switch (env.kind) {
      case K.MESSAGE: return this._onMessage(env, ctx);
      case K.REQUEST: return reply ? this._odd(m.from, env) : this._onRequest(peer, env, ctx);
      case K.RESPONSE:
      case K.ERROR:
      case K.CREDIT:
        return reply ? this._onAnswer(peer, env) : this._odd(m.from, env);
      case K.STREAM_OPEN: return reply ? this._odd(m.from, env) : this._onStreamOpen(peer, env, ctx);
      case K.STREAM_CHUNK:
      case K.STREAM_END: {
        if (reply) return this._odd(m.from, env);
        const s = this._peers.get(peer)?.inStreams.get(env.id);
        if (!s) { this.stats.lateAnswers++; return undefined; }
        return env.kind === K.STREAM_CHUNK ? s._chunk(env.body) : s._end(env.body);
      }
      case K.CANCEL: return this._onCancel(peer, env, reply);
      default: return this._odd(m.from, env);
    }
  }

  _odd(from, env) {
    this.stats.malformed++;
    this._emitError(new DospError('protocol', `envelope kind ${env.kind} with flags ${env.flags} from ${from} is not one we read`, { from }));
  }

  _onMessage(env, ctx) {
    this.stats.messagesIn++;
    const h = this._handlers.get(env.name);
    if (!h) {
      this.stats.unhandled++;
      this._emit('unhandled', { from: ctx.from, name: env.name });
      return;
    }
    try {
      const payload = decodeBody(env.contentType, env.body);
      Promise.resolve(h.fn(payload, ctx)).catch((e) => this._emitError(handlerError(e, env.name)));
    } catch (e) {
      this._emitError(handlerError(e, env.name));
    }
  }

  async _onRequest(peer, env, ctx) {
    this.stats.callsIn++;
    const p = this._peer(peer);
    if (env.name === '$discover') {
      this._reply(peer, K.RESPONSE, env.id, ContentType.JSON, encodeBody(this.schema()));
      return;
    }
    const m = this._methods.get(env.name);
    if (!m) {
      this._replyError(peer, env.id, new MessagingError('NO_SUCH_METHOD', `no method named ${printable(env.name, 100)}`));
      return;
    }
    if (p.inCalls.size >= this.options.maxIncomingCalls || p.inCalls.has(env.id) || this._inCallsTotal >= this.options.maxIncomingCallsTotal) {
      this._replyError(peer, env.id, new MessagingError('TOO_MANY_CALLS', p.inCalls.has(env.id)
        ? `call id ${env.id} is already in flight`
        : `too many calls in flight here (${p.inCalls.size} from ${ctx.from}, ${this._inCallsTotal} in all)`));
      return;
    }
    const ac = new AbortController();
    p.inCalls.set(env.id, ac);
    this._inCallsTotal++;
    try {
      const args = decodeBody(env.contentType, env.body);
      if (!Array.isArray(args)) throw new MessagingError('BAD_ARGUMENTS', 'the arguments are not an array');
      checkArgs(m.params, args);
      const result = await m.fn(...args, { ...ctx, signal: ac.signal });
      if (ac.signal.aborted || p.inCalls.get(env.id) !== ac) return; // cancelled: answer nothing
      const body = encodeBody(result === undefined ? null : result);
      await this._reply(peer, K.RESPONSE, env.id, ContentType.JSON, body);
    } catch (e) {
      if (ac.signal.aborted || p.inCalls.get(env.id) !== ac) return;
      const err = e instanceof MessagingError ? e : new MessagingError('HANDLER_FAILED', e && e.message ? String(e.message) : String(e));
      await this._replyError(peer, env.id, err);
    } finally {
      if (p.inCalls.get(env.id) === ac) p.inCalls.delete(env.id);
      this._inCallsTotal--;
    }
  }

  _onAnswer(peer, env) {
    const entry = this._peers.get(peer)?.out.get(env.id);
    if (!entry) {
      this.stats.lateAnswers++;
      return;
    }
    if (env.kind === K.ERROR) {
      failEntry(entry, remoteError(env));
    } else if (env.kind === K.CREDIT) {
      if (entry.type !== 'stream' || env.body.length !== 4) {
        this._odd(intToIp(peer), env);
        return;
      }
      entry.grant(u32(env.body, 0));
    } else if (entry.type === 'call') {
      try {
        entry.settle(null, decodeBody(env.contentType, env.body));
      } catch (e) {
        entry.settle(e instanceof MessagingError ? e : new MessagingError('UNSUPPORTED', e.message));
      }
    } else {
      let r;
      try {
        r = decodeBody(env.contentType, env.body);
      } catch (e) {
        r = null;
      }
      entry.finish(r);
    }
  }

  _onCancel(peer, env, reply) {
    const p = this._peers.get(peer);
    if (!p) return;
    const reason = utf8Decoder.decode(env.body);
    if (reply) {
      const entry = p.out.get(env.id);
      if (entry) failEntry(entry, new MessagingError('CANCELLED', `cancelled by ${intToIp(peer)}: ${printable(reason, 200)}`, { remote: true }));
      return;
    }
    const ac = p.inCalls.get(env.id);
    if (ac) {
      p.inCalls.delete(env.id);
      ac.abort();
      return;
    }
    const s = p.inStreams.get(env.id);
    if (s) s._fail(new MessagingError('CANCELLED', `cancelled by the sender: ${printable(reason, 200)}`, { remote: true }), false);
  }

  _onStreamOpen(peer, env, ctx) {
    const p = this._peer(peer);
    const h = this._streamHandlers.get(env.name);
    if (!h) {
      this._replyError(peer, env.id, new MessagingError('NO_SUCH_METHOD', `no stream handler named ${printable(env.name, 100)}`));
      return;
    }
    if (p.inStreams.has(env.id) || p.inStreams.size >= this.options.maxIncomingStreams || this._inStreamsTotal >= this.options.maxIncomingStreamsTotal) {
      this._replyError(peer, env.id, new MessagingError('TOO_MANY_CALLS', `too many streams open here (${p.inStreams.size} from ${ctx.from}, ${this._inStreamsTotal} in all)`));
      return;
    }
    let meta;
    try {
      meta = decodeBody(env.contentType, env.body);
      if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new MessagingError('BAD_ARGUMENTS', 'stream metadata is not an object', { field: 'meta' });
    } catch (e) {
      this._replyError(peer, env.id, e instanceof MessagingError ? e : new MessagingError('BAD_ARGUMENTS', e.message));
      return;
    }
    if (typeof meta.size === 'number' && meta.size > this.options.maxStreamSize) {
      this._replyError(peer, env.id, new MessagingError('TOO_LARGE', `a stream of ${meta.size} bytes is over this receiver's bound (${this.options.maxStreamSize})`, { field: 'size' }));
      return;
    }
    this.stats.streamsIn++;
    const s = new IncomingStream(this, peer, env.id, env.name, meta, ctx);
    p.inStreams.set(env.id, s);
    this._inStreamsTotal++;
    s._grant(this.options.streamWindow);
    try {
      Promise.resolve(h(s)).catch((e) => s._fail(new MessagingError('HANDLER_FAILED', e && e.message ? String(e.message) : String(e)), true));
    } catch (e) {
      s._fail(new MessagingError('HANDLER_FAILED', e && e.message ? String(e.message) : String(e)), true);
    }
  }

  _streamDone(s) {
    const p = this._peers.get(s.peer);
    if (p && p.inStreams.get(s.id) === s) {
      p.inStreams.delete(s.id);
      this._inStreamsTotal--;
    }
  }
}

/** A stream being sent (internal): credit, the receiver's answer. */
class OutgoingStream {
  constructor() {
    this.type = 'stream';
    this.credit = 0;
    this.error = null;
    this.result = undefined;
    this._wake = null;
  }

  grant(n) {
    this.credit += n;
    this._poke();
  }

  finish(r) {
    this.result = r === null || r === undefined ? {} : r;
    this._poke();
  }

  fail(err) {
    if (!this.error && this.result === undefined) this.error = err;
    this._poke();
  }

  settle(err) {
    if (err) this.fail(err);
  }

  _poke() {
    const w = this._wake;
    this._wake = null;
    if (w) w();
  }

  _wait(ready, timeout, what) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const check = () => {
        if (this.error) { clearTimeout(timer); reject(this.error); return; }
        const v = ready();
        if (v !== undefined) { clearTimeout(timer); resolve(v); return; }
        this._wake = check;
      };
      if (timeout > 0) timer = setTimeout(() => { this._wake = null; reject(new MessagingError('TIMEOUT', what)); }, timeout);
      check();
    });
  }

  /** Resolves with the credit available once it is at least `min`. */
  waitCredit(min, timeout, what) {
    return this._wait(() => (this.credit >= min ? this.credit : (this.result !== undefined ? 0 : undefined)), timeout, what)
      .then((c) => {
        if (c === 0) throw new MessagingError('CANCELLED', 'the receiver answered before the stream ended');
        return c;
      });
  }

  waitResult(timeout, what) {
    return this._wait(() => this.result, timeout, what);
  }
}

/**
 * A stream arriving (given to a `stream(name, fn)` handler): `meta` (`name`, `size`, `contentType`), `from`,
 * `read()` (the next chunk, or null at the verified end), `for await (const chunk of stream)`, `bytes()` (all of
 * it, bounded by maxStreamSize), `cancel(reason)`, `received` (bytes so far), `done` (a Promise of `{bytes,
 * sha256}` once the SHA-256 matched). Credit is granted as chunks are read: a handler that stops reading stops
 * the sender.
 */
export class IncomingStream {
  constructor(messenger, peer, id, name, meta, ctx) {
    this._m = messenger;
    this.peer = peer;
    this.id = id;
    this.name = name;
    this.meta = meta;
    this.from = ctx.from;
    this.secure = ctx.secure;
    this.received = 0;
    this._granted = 0; // total granted
    this._consumed = 0; // bytes read by the application
    this._queue = [];
    this._hash = new Sha256();
    this._ended = false;
    this._error = null;
    this._waiter = null;
    this.done = new Promise((resolve, reject) => { this._resolve = resolve; this._reject = reject; });
    this.done.catch(() => {});
  }

  _grant(n) {
    this._granted += n;
    const b = new Uint8Array(4);
    putU32(b, 0, n);
    this._m._reply(this.peer, K.CREDIT, this.id, ContentType.RAW, b);
  }

  _chunk(body) {
    if (this._ended || this._error) return;
    if (this.received + body.length > this._granted) {
      this._fail(new MessagingError('TOO_LARGE', `the sender sent ${this.received + body.length} bytes with ${this._granted} granted`), true);
      return;
    }
    if (typeof this.meta.size === 'number' && this.meta.size >= 0 && this.received + body.length > this.meta.size) {
      this._fail(new MessagingError('TOO_LARGE', `the sender sent more than the ${this.meta.size} bytes it announced`), true);
      return;
    }
    if (this.received + body.length > this._m.options.maxStreamSize) {
      this._fail(new MessagingError('TOO_LARGE', `the stream is over this receiver's bound (${this._m.options.maxStreamSize} bytes)`), true);
      return;
    }
    const copy = body.slice();
    this.received += copy.length;
    this._hash.update(copy);
    this._queue.push(copy);
    this._wakeReader();
  }

  _end(body) {
    if (this._ended || this._error) return;
    const ours = this._hash.digest();
    if (body.length !== 32 || toHex(body) !== toHex(ours)) {
      this._fail(new MessagingError('INTEGRITY', `SHA-256 mismatch after ${this.received} bytes: got ${toHex(body.subarray(0, 32))}, computed ${toHex(ours)}`), true);
      return;
    }
    this._ended = true;
    const result = { bytes: this.received, sha256: toHex(ours) };
    this._m._reply(this.peer, K.RESPONSE, this.id, ContentType.JSON, encodeBody(result));
    this._m._streamDone(this);
    this._resolve(result);
    this._wakeReader();
  }

  /** Ends the stream with an error; `answer`: tell the sender (ERROR with the code). */
  _fail(err, answer = true) {
    if (this._ended || this._error) return;
    this._error = err;
    this._queue = [];
    if (answer) this._m._replyError(this.peer, this.id, err);
    this._m._streamDone(this);
    this._reject(err);
    this._wakeReader();
  }

  _wakeReader() {
    const w = this._waiter;
    this._waiter = null;
    if (w) w();
  }

  /** The next chunk (a Uint8Array), or null once the stream ended and its SHA-256 matched; rejects on failure. */
  async read() {
    for (;;) {
      if (this._queue.length > 0) {
        const c = this._queue.shift();
        this._consumed += c.length;
        // grant back what was read, in batches of at least a quarter window
        const outstanding = this._granted - this._consumed;
        const window = this._m.options.streamWindow;
        if (!this._ended && !this._error && outstanding <= window - window / 4) this._grant(window - outstanding);
        return c;
      }
      if (this._error) throw this._error;
      if (this._ended) return null;
      await new Promise((r) => { this._waiter = r; });
    }
  }

  async* [Symbol.asyncIterator]() {
    for (;;) {
      const c = await this.read();
      if (c === null) return;
      yield c;
    }
  }

  /** All of the stream's bytes, once verified. */
  async bytes() {
    const parts = [];
    for await (const c of this) parts.push(c);
    return concatBytes(...parts);
  }

  /** Cancels the stream: the sender gets CANCEL (its sendStream rejects CANCELLED). */
  cancel(reason = 'cancelled by the receiver') {
    if (this._ended || this._error) return;
    this._m._write(this.peer, { kind: K.CANCEL, flags: FLAG_REPLY, id: this.id, contentType: ContentType.TEXT, body: utf8.encode(String(reason)) })
      .catch((e) => this._m._emitError(e));
    this._fail(new MessagingError('CANCELLED', String(reason)), false);
  }
}

function checkName(name, allowReserved = false) {
  if (typeof name !== 'string' || name.length === 0) throw new DospError('argument', 'a name is a non-empty string');
  if (utf8.encode(name).length > MAX_ENVELOPE_NAME) throw new DospError('argument', `a name is at most ${MAX_ENVELOPE_NAME} UTF-8 bytes`);
  if (!allowReserved && name.startsWith('$')) throw new DospError('argument', 'names starting with $ are reserved');
}

function defaultContentType(v) {
  return v instanceof Uint8Array || v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? ContentType.RAW : ContentType.JSON;
}

function failEntry(entry, err) {
  if (entry.type === 'call') entry.settle(err);
  else entry.fail(err);
}

function remoteError(env) {
  let o = null;
  try {
    o = JSON.parse(strictUtf8.decode(env.body));
  } catch (e) {
    // an error body that is not JSON: reported as it is
  }
  if (!o || typeof o !== 'object') return new MessagingError('HANDLER_FAILED', 'the peer answered with an error that is not a JSON object', { remote: true });
  const code = typeof o.code === 'string' ? o.code.slice(0, 40) : 'HANDLER_FAILED';
  return new MessagingError(code, printable(typeof o.message === 'string' ? o.message : code, 500), {
    remote: true, field: typeof o.field === 'string' ? printable(o.field, 100) : null,
  });
}

function handlerError(e, name) {
  return e instanceof DospError ? e : new DospError('messaging', `handler ${printable(name, 60)} failed: ${printable(e && e.message ? e.message : String(e))}`, { cause: e });
}

function sendFailure(e, peer) {
  if (e instanceof MessagingError) return e;
  if (e && e.kind === 'closed') return new MessagingError('DISCONNECTED', e.message, { cause: e });
  if (e && e.kind === 'tunnel' && /S2CF/.test(e.message)) return new MessagingError('PEER_GONE', e.message, { cause: e });
  return new MessagingError('SEND_FAILED', `could not send to ${intToIp(peer)}: ${e && e.message ? e.message : e}`, { cause: e });
}

const JSON_TYPES = {
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  bytes: (v) => typeof v === 'string',
};

/** Checks positional arguments against declared params `[{name, type}]` (count, JSON types, object properties). */
function checkArgs(params, args) {
  if (!params) return;
  if (args.length !== params.length) {
    throw new MessagingError('BAD_ARGUMENTS', `${params.length} arguments expected, got ${args.length}`,
      { field: params[Math.min(args.length, params.length - 1)]?.name || null });
  }
  params.forEach((p, i) => checkValue(args[i], p, p.name));
}

function checkValue(v, type, field) {
  if (!type || !type.type) return;
  const ok = JSON_TYPES[type.type];
  if (ok && !ok(v)) throw new MessagingError('BAD_ARGUMENTS', `${field} is not ${type.type === 'integer' ? 'an' : 'a'} ${type.type}`, { field });
  if (type.type === 'object' && type.properties) {
    for (const [k, t] of Object.entries(type.properties)) if (k in v) checkValue(v[k], t, `${field}.${k}`);
  }
  if (type.type === 'array' && type.items) v.forEach((x, i) => checkValue(x, type.items, `${field}[${i}]`));
}

/** What sendStream reads: a size (or -1) and an async iterator of chunks. */
function streamSource(data, chunkSize) {
  if (typeof data === 'string' || data instanceof Uint8Array || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    const bytes = asBytes(data);
    return {
      size: bytes.length,
      async* chunks() {
        for (let o = 0; o < bytes.length; o += chunkSize) yield bytes.subarray(o, Math.min(bytes.length, o + chunkSize));
      },
    };
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    return {
      size: data.size,
      async* chunks() {
        // slices read one window at a time: a large File is never held in memory whole
        const step = Math.max(chunkSize, 256 * 1024);
        for (let o = 0; o < data.size; o += step) yield new Uint8Array(await data.slice(o, Math.min(data.size, o + step)).arrayBuffer());
      },
    };
  }
  if (data && typeof data.getReader === 'function') {
    const reader = data.getReader();
    return {
      size: -1,
      async* chunks() {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          yield asBytes(value);
        }
      },
      close() { reader.releaseLock(); },
    };
  }
  if (data && typeof data[Symbol.asyncIterator] === 'function') {
    return { size: -1, async* chunks() { for await (const c of data) yield asBytes(c); } };
  }
  throw new DospError('argument', 'stream data is bytes, a string, a Blob, a ReadableStream or an async iterable');
}
