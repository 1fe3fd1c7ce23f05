package io.dosp.codec;

/**
 * Whether a connection's frames carry zlib bodies, shared by its decoder and encoder. A server
 * fixes it at accept (it announces it in HSK); a client's decoder turns it on when it reads an
 * HSK whose flag is 1, before decoding the next frame of the same read.
 *
 * <p>Thread-safe (volatile): the client's I/O thread sets it, sending threads read it.
 */
public final class Compression {
    private volatile boolean enabled;
    private final boolean followHandshake;
    private final int level;

    private Compression(boolean enabled, boolean followHandshake, int level) {
        this.enabled = enabled;
        this.followHandshake = followHandshake;
        this.level = level;
    }

    /** Server side: fixed on or off, deflating at {@code level}. */
    public static Compression fixed(boolean enabled, int level) {
        return new Compression(enabled, false, level);
    }

    /** Client side: off until the server's HSK says otherwise. */
    public static Compression followHandshake() {
        return new Compression(false, true, Zlib.DEFAULT_LEVEL);
    }

    /** Whether bodies are compressed now. */
    public boolean enabled() {
        return enabled;
    }

    /** Whether an incoming HSK switches it. */
    boolean followsHandshake() {
        return followHandshake;
    }

    void enable(boolean on) {
        enabled = on;
    }

    /** Deflate level. */
    public int level() {
        return level;
    }
}
