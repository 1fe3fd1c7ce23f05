package io.dosp.client.internal;

import io.dosp.protocol.MalformedPacketException;
import io.dosp.protocol.Resume;
import io.dosp.protocol.SimplePacket;
import io.dosp.protocol.internal.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's latest resume secret ({@link Resume.Token}: a vIP and 16 random bytes a cluster node gave it, feature
 * {@code resume}). Kept in memory only, never logged; replaced by each {@link Resume#TOKEN} and {@link Resume#OK}.
 * One per client, shared by its connections; thread-safe.
 */
public final class ResumeTokens {
    private static final Logger LOG = LoggerFactory.getLogger(ResumeTokens.class);
    private volatile Resume.Token latest;

    /** The latest token, or null when no node gave one. */
    public Resume.Token latest() {
        return latest;
    }

    /** Keeps {@code token} as the latest. */
    public void keep(Resume.Token token) {
        latest = token;
    }

    /** An EXT frame of the resume feature that is not the answer to a RESUME (I/O thread): a TOKEN is kept. */
    public void onFrame(String server, int kind, SimplePacket frame) {
        if (kind != Resume.TOKEN && kind != Resume.OK) {
            LOG.debug("Dropped an EXT frame of kind 0x{} (feature resume) from {}: not expected here",
                    String.format("%02X", kind), server);
            return;
        }
        try {
            keep(Resume.Token.parse(frame));
        } catch (MalformedPacketException e) {
            LOG.debug("Dropped an unreadable resume token from {}: {}", server, LogText.of(e.getMessage()));
        }
    }
}
