package io.dosp.client.internal;

import io.dosp.crypto.TunnelCipher;
import io.dosp.crypto.TunnelKeys;
import java.util.concurrent.atomic.AtomicLong;

/** One tunnel of a {@link TunnelManager}: its cipher, its id, the peer's identity as decided. */
final class Tunnel {
    /** Tunnel ids, unique in the JVM, so a replaced tunnel's messages are never taken for the old one's. */
    private static final AtomicLong IDS = new AtomicLong();

    final TunnelCipher cipher;
    final long id = IDS.incrementAndGet();
    final TunnelIdentity.Decision identity;
    /** False while the peer opened it and no frame from it has verified (half-open). */
    volatile boolean confirmed;

    Tunnel(TunnelKeys keys, boolean confirmed, TunnelIdentity.Decision identity) {
        cipher = new TunnelCipher(keys);
        this.confirmed = confirmed;
        this.identity = identity;
    }
}
