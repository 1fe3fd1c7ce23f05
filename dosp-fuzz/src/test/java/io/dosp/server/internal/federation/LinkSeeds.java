package io.dosp.server.internal.federation;

/** Seed bodies for {@link LinkFramesFuzzTest}, built with the package-private encoders. */
public final class LinkSeeds {
    /** The fuzz test class these seeds are for. */
    public static final Class<?> TARGET = LinkFramesFuzzTest.class;

    private LinkSeeds() {
    }

    /** A HELLO body (link protocol v2; the dialed address is {@code host:port} too). */
    public static byte[] hello(byte[] serverId, byte[] nonce, String host, int port) {
        return LinkFrames.helloBody(serverId, nonce, host, port, host, port);
    }
}
