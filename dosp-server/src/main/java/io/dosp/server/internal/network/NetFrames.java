package io.dosp.server.internal.network;

/**
 * The kinds of the client extension frames of features {@code groups}, {@code names}, {@code presence},
 * {@code network}, and the link frame types of the directory (docs/network.md, byte by byte). Constants only.
 */
public final class NetFrames {
    // groups 0x50..0x5F
    static final int JOIN = 0x50;
    static final int LEAVE = 0x51;
    static final int SEND = 0x52;
    static final int GROUP_MESSAGE = 0x53;
    static final int MEMBERS = 0x54;
    static final int GROUPS_RESULT = 0x5F;
    // names 0x60..0x6F
    static final int REGISTER = 0x60;
    static final int UNREGISTER = 0x61;
    static final int RESOLVE = 0x62;
    static final int NAME_LOST = 0x63;
    static final int NAMES_RESULT = 0x6F;
    // presence 0x70..0x7F
    static final int WATCH = 0x70;
    static final int UNWATCH = 0x71;
    static final int EVENT = 0x72;
    static final int PRESENCE_RESULT = 0x7F;
    // network 0x80..0x8F
    static final int CLIENTS = 0x80;
    static final int GROUPS = 0x81;
    static final int NAMES = 0x82;
    static final int NETWORK_RESULT = 0x8F;

    // link frames 0xE0..0xEF
    static final int UPDATE = 0xE0;
    static final int SNAP_BEGIN = 0xE1;
    static final int SNAP_PART = 0xE2;
    static final int SNAP_END = 0xE3;
    static final int SYNC_REQUEST = 0xE4;
    static final int GROUP_MSG = 0xE5;
    static final int BROADCAST = 0xE6;
    static final int HEADS = 0xE7;
    static final int ID = 0xE8;
    /** Optional types from 0xF0 on: a server that does not know one ignores it (older builds ignore them all). */
    static final int NAME_KEY = 0xF0;
    /** The bytes of a token key (SHA-256). */
    static final int KEY_BYTES = 32;

    // UPDATE ops
    static final int OP_CLIENT_UP = 1;
    static final int OP_CLIENT_DOWN = 2;
    static final int OP_CLIENT_MOVED = 3;
    static final int OP_JOIN = 4;
    static final int OP_LEAVE = 5;
    static final int OP_NAME_CLAIM = 6;
    static final int OP_NAME_DROP = 7;
    static final int OP_NEIGHBOURS = 8;

    // presence targets and events
    static final int TARGET_VIP = 1;
    static final int TARGET_NAME = 2;
    static final int TARGET_GROUP = 3;
    static final int JOINED = 1;
    static final int LEFT = 2;

    /** The most bytes of records in one SNAP_PART. */
    static final int SNAP_PART_BYTES = 256 * 1024;
    /** The longest BROADCAST text, in bytes. */
    static final int MAX_BROADCAST = 1024;

    private NetFrames() {
    }

    /** Whether a custom packet type is one of the directory's link frames (reserved while federation is on). */
    public static boolean isNetFrame(int type) {
        return type >= UPDATE && type <= NAME_KEY;
    }
}
