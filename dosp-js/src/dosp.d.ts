// Types of dosp.js (the module itself is plain JavaScript, usable without a build step).

export declare const PacketType: Readonly<{
  MSG: 0x01; PING: 0x02; S2C: 0x03; GCL: 0x04; FN: 0x05; SD: 0x06; RQIP: 0x07; GSI: 0x08;
  SA: 0x10; EXIT: 0x11; ERR: 0x12; AIP: 0x13; HSK: 0x14; HC2C: 0x15; BCST: 0x16; AUTH: 0x17;
  ADMIN: 0x18; CLIENT_INFO: 0x19; MPAK: 0x1a; EXT: 0x1f;
}>;
export declare const ErrCode: Readonly<Record<number, ErrCodeName>>;
export type ErrCodeName = 'FNF' | 'FF' | 'S2CF' | 'RQIPF' | 'SDF' | 'GCLF' | 'AIPF' | 'HSKF' | 'UKNP';
export declare const HELLO_LENGTH: 49;
export declare const MIN_FRAME_LENGTH: 60;
export declare const TUNNEL_OVERHEAD: 68;
export declare const REFLECTION_WINDOW: 256;

export type Bytes = Uint8Array;
export type Data = string | Uint8Array | ArrayBuffer | ArrayBufferView;
/** A vIP: dotted ("7.10.0.2") or its 32-bit value. */
export type Vip = string | number;

export type ErrorKind =
  | 'connect' | 'handshake' | 'closed' | 'server' | 'tunnel' | 'timeout' | 'protocol' | 'limit' | 'argument' | 'crypto'
  | 'messaging' | 'unsupported' | 'network';

/** Every error of the module. For kind 'server' (an ERR), codeName/dst/reason say which. */
export declare class DospError extends Error {
  readonly kind: ErrorKind;
  /** kind 'server': the ERR code number; kind 'messaging' (MessagingError): the code name. */
  readonly code?: number | string | null;
  readonly codeName?: ErrCodeName | null;
  /** ERR S2CF: the destination the server could not reach (dotted). */
  readonly dst?: string | null;
  /** ERR S2CF: the server's reason, or for kind 'tunnel' from TunnelCipher.open: why the frame was refused. */
  readonly reason?: string;
  readonly text?: string;
  /** The server's EXIT text, when it ended the session. */
  readonly serverReason?: string | null;
  constructor(kind: ErrorKind, message: string, extra?: object);
}

export interface ClientOptions {
  /** A vIP to ask for (RQIP) once connected; the connect fails if refused. */
  vip?: Vip | null;
  connectTimeout?: number;
  requestTimeout?: number;
  tunnelTimeout?: number;
  /** Largest frame body accepted from the server (checked from the header) and largest inflated body. */
  maxFrameSize?: number;
  /** Largest S2C body sent (the server's max_packet_size is 1 MiB by default). */
  maxSendSize?: number;
  /** A send fails while the WebSocket holds more than this many unsent bytes. */
  maxBufferedBytes?: number;
  /** Frames received and not yet handled before the connection is closed. */
  maxInboundBacklog?: number;
  maxPendingRequests?: number;
  /** Send CLIENT_INFO with a random 64-hex hash kept in localStorage. */
  clientInfo?: boolean;
  clientHash?: string | null;
  /** PING every so many ms (0: off); the connection is dropped after heartbeatMisses unanswered. */
  heartbeatInterval?: number;
  heartbeatMisses?: number;
  reconnect?: boolean;
  reconnectInitialDelay?: number;
  reconnectMaxDelay?: number;
  /** On reconnect, ask for the vIP held before. */
  keepVip?: boolean;
  maxTunnels?: number;
  handshakeBurst?: number;
  handshakesPerSecond?: number;
  peerHandshakeBurst?: number;
  peerHandshakesPerSecond?: number;
  errorReplyBurst?: number;
  errorRepliesPerSecond?: number;
  /** Accept a new handshake from a peer that has a tunnel (true), or refuse as the reference does. */
  replaceTunnels?: boolean;
  /** The WebSocket constructor (default: globalThis.WebSocket). */
  WebSocket?: unknown;
  /** Where the client hash is kept (default: localStorage; null: nowhere). */
  storage?: Storage | null;
  /** Offer our client extension features with EXT HELLO (default true); false: exactly what a reference client sends. */
  extensions?: boolean;
}

export interface Message {
  from: string;
  to: string;
  data: Uint8Array;
  /** The data as UTF-8 text. */
  readonly text: string;
  /** Whether it came through an end-to-end tunnel. */
  secure: boolean;
  /** The tunnel's id (a new one after a re-handshake), or null. */
  tunnel: number | null;
}

export interface TunnelEvent {
  peer: string;
  state: 'open' | 'replaced' | 'ended';
  tunnel: number;
  previous?: number;
  reason: string;
}

export interface ClientEvents {
  message: Message;
  broadcast: { text: string };
  error: DospError;
  tunnel: TunnelEvent;
  tunnelrejected: { peer: string; reason: string };
  open: { vip: string; reconnected: boolean };
  vip: { vip: string };
  reconnecting: { attempt: number; delay: number; reason: string };
  close: { reason: string; serverReason: string | null; reconnect: boolean };
  packet: { type: number; body: Uint8Array };
  /** EXT PEER_GONE (feature peer-gone): the vIP's holder is gone; its tunnel has been ended. */
  peergone: { vip: string; reason: 'left' | 'moved' | 'kicked' | 'revoked' | 'dropped' | 'gone'; code: number; text: string };
  /** A message sent to a group we are in (feature groups). */
  groupmessage: { group: string; from: string; id: string; data: Uint8Array; readonly text: string };
  /** A name of ours ended: conflict (winner set), revoked, expired. */
  namelost: { name: string; reason: NetworkReason; winner: string | null };
  /** A watched vIP, name or group changed (feature presence). */
  presence: { target: WatchTarget; event: 'joined' | 'left'; vip: string; reason: NetworkReason };
}

export type NetworkReason =
  | 'none' | 'left' | 'moved' | 'kicked' | 'revoked' | 'dropped' | 'unreachable' | 'requested' | 'conflict' | 'expired';
export type WatchTarget = { vip: Vip } | { name: string } | { group: string };
/** RESULT statuses of docs/network.md, the `status` of a DospError of kind 'network'. */
export type NetworkStatus = 'BAD_REQUEST' | 'LIMIT' | 'NOT_ALLOWED' | 'NOT_MEMBER' | 'TAKEN' | 'NOT_FOUND' | 'TOO_LARGE' | 'UNAVAILABLE';

export interface ClientStats {
  framesIn: number; framesOut: number; messagesIn: number; messagesOut: number; sealed: number; opened: number;
  tunnelFramesRejected: number; reflected: number; handshakesReceived: number; handshakesRefused: number;
  textMessagesIgnored: number; reconnects: number; errors: number;
}

export declare class DospClient extends EventTarget {
  static connect(url: string, options?: ClientOptions): Promise<DospClient>;
  constructor(url: string, options?: ClientOptions);
  readonly url: string;
  readonly state: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
  readonly vip: string | null;
  readonly compression: boolean;
  readonly stats: ClientStats;
  on<K extends keyof ClientEvents>(type: K, fn: (detail: ClientEvents[K], event: CustomEvent) => void): () => void;
  open(): Promise<void>;
  /** Resolves true when the data went through a tunnel. */
  send(vip: Vip, data: Data): Promise<boolean>;
  sendSecure(vip: Vip, data: Data): Promise<true>;
  openTunnel(vip: Vip): Promise<void>;
  closeTunnel(vip: Vip): void;
  hasTunnel(vip: Vip): boolean;
  tunnelPeers(): string[];
  clients(): Promise<string[]>;
  ping(payload?: Data): Promise<number>;
  call(name: string): Promise<string>;
  selfInfo(): Promise<Record<string, unknown>>;
  requestVip(vip: Vip): Promise<string>;
  sendPacket(type: number, body: Data): Promise<void>;
  close(reason?: string): Promise<void>;
  /** Features the server enabled (EXT WELCOME); empty against a reference server or with extensions: false. */
  readonly extensions: Set<string>;
  // groups, names, presence, network views (docs/network.md): reject kind 'unsupported' when the feature is off,
  // kind 'network' (with status) when the server refuses
  join(group: string): Promise<void>;
  leave(group: string): Promise<void>;
  sendToGroup(group: string, data: Data): Promise<{ messageId: string; members: number }>;
  members(group: string, max?: number): Promise<string[]>;
  /** Resolves with the re-claim token (32 hex digits). */
  registerName(name: string, token?: string | Bytes): Promise<string>;
  unregisterName(name: string): Promise<void>;
  resolve(name: string): Promise<string>;
  watch(target: WatchTarget | string): Promise<void>;
  unwatch(target: WatchTarget | string): Promise<void>;
  networkClients(max?: number): Promise<{ vip: string; user: string }[]>;
  networkGroups(max?: number): Promise<{ group: string; members: number }[]>;
  networkNames(max?: number): Promise<{ name: string; vip: string }[]>;
}

/** EXT kinds (README "Client extension frames", docs/network.md). */
export declare const Ext: Readonly<{
  HELLO: 0x01; WELCOME: 0x02; PEER_GONE: 0x20;
  JOIN: 0x50; LEAVE: 0x51; SEND: 0x52; GROUP_MESSAGE: 0x53; MEMBERS: 0x54; GROUPS_RESULT: 0x5f;
  REGISTER: 0x60; UNREGISTER: 0x61; RESOLVE: 0x62; NAME_LOST: 0x63; NAMES_RESULT: 0x6f;
  WATCH: 0x70; UNWATCH: 0x71; EVENT: 0x72; PRESENCE_RESULT: 0x7f;
  CLIENTS: 0x80; GROUPS: 0x81; NAMES: 0x82; NETWORK_RESULT: 0x8f;
  featureOf(kind: number): 'peer-gone' | 'groups' | 'names' | 'presence' | 'network' | null;
}>;
export declare function encodeFeatureList(kind: number, names: string[]): Bytes;
export declare function parseFeatureList(payload: Bytes): string[];
/** A group or name: 1-64 of a-z 0-9 . _ - starting with a letter or digit, as len(1) bytes. */
export declare function encodeStr(s: string, what?: string): Bytes;
export declare function encodeTarget(t: WatchTarget | string): Bytes;

export declare function clientHash(storage?: Storage | null): string;

// Codec
export declare function encodeFrame(type: number, body?: Bytes): Bytes;
export declare function s2cBody(dst: Vip, src: Vip, data: Bytes): Bytes;
export declare function parseS2c(body: Bytes): { dst: number; src: number; data: Bytes };
export declare class FrameReader {
  constructor(maxBody?: number);
  readonly maxBody: number;
  readonly buffered: number;
  push(chunk: Data): { type: number; body: Bytes }[];
}
export declare function parseMpak(body: Bytes): { frames: { type: number; body: Bytes }[]; truncated: boolean };
export declare function deflate(data: Data): Promise<Bytes>;
export declare function inflate(data: Data, max?: number): Promise<Bytes>;
export declare function parseHsk(body: Bytes): { compression: boolean; version: number; token: number; raw: number[] };
export declare function parseAip(body: Bytes): number;
export interface ErrBody { code: number | null; codeName: ErrCodeName | null; text: string; dst: number | null; reason: string }
export declare function parseErr(body: Bytes): ErrBody;
export declare function describeErr(e: ErrBody): string;
export declare function ipToInt(ip: Vip): number;
export declare function intToIp(n: number): string;
export declare function printable(text: string, max?: number): string;
export declare function concatBytes(...parts: Bytes[]): Bytes;
export declare function toHex(bytes: Bytes): string;
export declare function fromHex(hex: string): Bytes;

// Tunnels
export interface Hello { sessionId: Bytes; timestamp: bigint | number; publicKey: Bytes; role?: number }
export interface TunnelKeys { encryptionKey: Bytes; macKey: Bytes; ivMaterial?: Bytes }
export declare function classifyHandshake(data: Bytes): 'error' | 'hello' | 'legacy' | 'malformed' | null;
export declare function newSessionId(): Bytes;
export declare function encodeHello(hello: Hello, role?: 1 | 2): Bytes;
export declare function parseHello(data: Bytes): Required<Hello> & { timestamp: bigint };
export declare function errorFrame(reason: string): Bytes;
export declare function hkdfSha256(ikm: Bytes, salt: Bytes | null, info: Bytes, length: number): Promise<Bytes>;
export declare function dhInfo(initiatorSessionId: Bytes, responderSessionId: Bytes): Bytes;
export declare function deriveTunnelKeys(sharedSecret: Bytes, initiatorSessionId: Bytes, responderSessionId: Bytes): Promise<Required<TunnelKeys>>;
export declare function generateX25519(): Promise<{ privateKey: CryptoKey; publicKey: Bytes }>;
export declare function importX25519Private(raw: Bytes): Promise<{ privateKey: CryptoKey; publicKey: Bytes }>;
export declare function x25519(privateKey: CryptoKey, peerPublicKey: Bytes): Promise<Bytes>;
export declare class TunnelCipher {
  static create(keys: TunnelKeys): Promise<TunnelCipher>;
  readonly nextSend: bigint;
  readonly expectedReceive: bigint;
  seal(plaintext: Data): Promise<Bytes>;
  /** Test vectors only: reusing a nonce breaks AES-GCM. */
  sealWithNonce(plaintext: Data, nonce: Bytes): Promise<Bytes>;
  open(frame: Data): Promise<Bytes>;
}

// ---- Messaging (docs/messaging.md): the envelope, calls, named messages, streams

export declare const EnvelopeKind: Readonly<{
  MESSAGE: 0x01; REQUEST: 0x02; RESPONSE: 0x03; ERROR: 0x04; STREAM_OPEN: 0x05; STREAM_CHUNK: 0x06;
  STREAM_END: 0x07; CREDIT: 0x08; CANCEL: 0x09;
}>;
/** Body encodings; dosp.js reads and writes RAW, JSON and TEXT (MSGPACK is answered ERROR UNSUPPORTED). */
export declare const ContentType: Readonly<{ RAW: 0x00; JSON: 0x01; MSGPACK: 0x02; TEXT: 0x03 }>;
export declare const ENVELOPE_MAGIC: 0xd1;
export declare const FLAG_REPLY: 0x01;

export interface Envelope {
  kind: number;
  flags?: number;
  /** Unsigned 32-bit correlation or stream id. */
  id?: number;
  /** At most 255 UTF-8 bytes. */
  name?: string;
  contentType?: number;
  body?: Data;
}
export declare function isEnvelope(data: Bytes): boolean;
export declare function encodeEnvelope(envelope: Envelope): Bytes;
/** Throws a DospError of kind 'protocol' for bytes that are not a version-1 envelope. */
export declare function decodeEnvelope(data: Bytes): Required<Envelope> & { body: Bytes };
export declare function encodeBody(value: unknown, contentType?: number): Bytes;
export declare function decodeBody(contentType: number, body: Bytes): unknown;

export type WireErrorCode =
  | 'NO_SUCH_METHOD' | 'BAD_ARGUMENTS' | 'HANDLER_FAILED' | 'TOO_MANY_CALLS' | 'UNSUPPORTED' | 'CANCELLED'
  | 'INTEGRITY' | 'TOO_LARGE';
/** Local codes: never on the wire. */
export type LocalErrorCode = 'TIMEOUT' | 'PEER_GONE' | 'DISCONNECTED' | 'SEND_FAILED';

/** A call's or stream's failure; a method may throw one to answer with its code (and field). */
export declare class MessagingError extends DospError {
  readonly kind: 'messaging';
  /** A wire or local code; a peer's unknown code is kept as it came. */
  readonly code: WireErrorCode | LocalErrorCode | string;
  /** True when the peer sent the error. */
  readonly remote: boolean;
  /** BAD_ARGUMENTS: the argument or property at fault. */
  readonly field: string | null;
  constructor(code: WireErrorCode | LocalErrorCode, message: string, extra?: { field?: string; remote?: boolean });
  toJSON(): { code: string; message: string; field?: string };
}

/** Incremental SHA-256 (WebCrypto only digests a whole buffer). */
export declare class Sha256 {
  update(data: Data): this;
  digest(): Bytes;
}

/** A small JSON-schema subset: integer, number, string, boolean, null, array (items), object (properties), bytes. */
export interface TypeSchema {
  type: 'integer' | 'number' | 'string' | 'boolean' | 'null' | 'array' | 'object' | 'bytes';
  items?: TypeSchema;
  properties?: Record<string, TypeSchema>;
}
export interface MethodSchema { params?: (TypeSchema & { name: string })[]; result?: TypeSchema }
export interface Schema {
  methods: { name: string; params: (TypeSchema & { name: string })[]; result?: TypeSchema }[];
  handlers: { name: string; type?: TypeSchema }[];
  streams: string[];
}

export interface MessagingContext { from: string; name: string; secure: boolean }
export interface CallContext extends MessagingContext { signal: AbortSignal }

export interface MessengerOptions {
  /** Every envelope through a tunnel (sendSecure). Default false: the client's send (a tunnel when one is up). */
  tunnel?: boolean;
  /** A call's answer deadline, ms (30000). */
  timeout?: number;
  /** Our calls and streams in flight to one peer (256); one more rejects TOO_MANY_CALLS at once. */
  maxCallsInFlight?: number;
  /** A peer's calls in flight here (64); one more is answered ERROR TOO_MANY_CALLS. */
  maxIncomingCalls?: number;
  /** All peers' calls in flight here together (1024). */
  maxIncomingCallsTotal?: number;
  maxIncomingStreams?: number;
  maxIncomingStreamsTotal?: number;
  /** Largest stream accepted, bytes (1 GiB). */
  maxStreamSize?: number;
  /** A stream's receive window: bytes granted and not yet read (256 KiB). */
  streamWindow?: number;
  /** Largest chunk sent (16 KiB). */
  chunkSize?: number;
  /** A stream sender without credit for this long (ms, 15000) probes the receiver with $discover. */
  probeInterval?: number;
  maxPeers?: number;
}

export interface MessengerStats {
  messagesIn: number; messagesOut: number; callsIn: number; callsOut: number; malformed: number; unhandled: number;
  lateAnswers: number; streamsIn: number; streamsOut: number; refused: number;
}

/** What a Messenger needs of its transport: a DospClient has it. */
export interface MessengerTransport {
  send(vip: Vip, data: Bytes): Promise<unknown>;
  sendSecure(vip: Vip, data: Bytes): Promise<unknown>;
  on(type: 'message' | 'error' | 'close', fn: (detail: any) => void): () => void;
}

export interface StreamMeta { name?: string; size?: number; contentType?: string; [k: string]: unknown }
export interface StreamResult { bytes: number; sha256: string }

export declare class IncomingStream implements AsyncIterable<Bytes> {
  readonly name: string;
  readonly meta: StreamMeta;
  readonly from: string;
  readonly secure: boolean;
  /** Chunk bytes received so far. */
  readonly received: number;
  /** Resolves once the sender's SHA-256 matched; rejects on failure or cancel. */
  readonly done: Promise<StreamResult>;
  /** The next chunk, or null at the verified end. Reading grants the sender more credit. */
  read(): Promise<Bytes | null>;
  [Symbol.asyncIterator](): AsyncIterator<Bytes>;
  bytes(): Promise<Bytes>;
  cancel(reason?: string): void;
}

export declare class Messenger extends EventTarget {
  constructor(client: MessengerTransport, options?: MessengerOptions);
  readonly stats: MessengerStats;
  /** 'error' and 'unhandled' are events; any other name registers a message handler (as handle()). */
  on(type: 'error', fn: (e: DospError) => void): () => void;
  on(type: 'unhandled', fn: (d: { from: string; name: string }) => void): () => void;
  on(name: string, fn: (payload: any, ctx: MessagingContext) => unknown, schema?: { type?: TypeSchema }): () => void;
  handle(name: string, fn: (payload: any, ctx: MessagingContext) => unknown, schema?: { type?: TypeSchema }): () => void;
  /** fn receives the positional arguments, then a CallContext. */
  method(name: string, fn: (...args: any[]) => unknown, schema?: MethodSchema): () => void;
  stream(name: string, fn: (stream: IncomingStream) => unknown): () => void;
  schema(): Schema;
  send(vip: Vip, name: string, payload: unknown, options?: { contentType?: number }): Promise<void>;
  call<T = unknown>(vip: Vip, name: string, args?: unknown[], options?: { timeout?: number; signal?: AbortSignal }): Promise<T>;
  discover(vip: Vip, options?: { timeout?: number; signal?: AbortSignal }): Promise<Schema>;
  sendStream(vip: Vip, name: string, data: Data | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, options?: {
    meta?: StreamMeta; onProgress?: (sent: number, size: number) => void; signal?: AbortSignal; timeout?: number;
  }): Promise<StreamResult>;
  close(): void;
}
