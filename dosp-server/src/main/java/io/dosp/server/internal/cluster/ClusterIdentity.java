package io.dosp.server.internal.cluster;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Who a cluster is to peer servers: its name and a random id chosen once for the cluster (the same on every node), so
 * that a peer linked to two nodes knows both links lead to one server (docs/cluster.md "Federation with a cluster").
 * Immutable.
 */
public final class ClusterIdentity {
    /** Length of {@link #id()} in bytes. */
    public static final int ID_LENGTH = 16;
    /** Longest {@link #name()} in UTF-8 bytes. */
    public static final int MAX_NAME = 64;

    private final byte[] id;
    private final String name;

    /**
     * The identity {@code id} ({@value #ID_LENGTH} bytes) named {@code name} (at most {@value #MAX_NAME} bytes).
     *
     * @throws IllegalArgumentException when either is out of bounds
     */
    public ClusterIdentity(byte[] id, String name) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        if (id.length != ID_LENGTH) {
            throw new IllegalArgumentException("cluster id must be " + ID_LENGTH + " bytes: " + id.length);
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME) {
            throw new IllegalArgumentException("cluster name longer than " + MAX_NAME + " bytes");
        }
        this.id = id.clone();
        this.name = name;
    }

    /** The random id (a copy). */
    public byte[] id() {
        return id.clone();
    }

    /** The id in lower-case hex. */
    public String idHex() {
        return HexFormat.of().formatHex(id);
    }

    /** The cluster's name. */
    public String name() {
        return name;
    }

    /** Equal when both the id and the name are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterIdentity c && Arrays.equals(id, c.id) && name.equals(c.name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(id) * 31 + name.hashCode();
    }

    /** {@code NAME/IDHEX}. */
    @Override
    public String toString() {
        return name + "/" + idHex();
    }
}
