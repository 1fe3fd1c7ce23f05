package io.dosp.server.internal.cluster;

import java.util.List;
import java.util.Map;

/**
 * What the other live nodes answered to one request sent to all of them (a scatter-gather with a deadline).
 *
 * @param replies the reply text by node id, of every node that answered in time
 * @param missing the nodes that did not answer in time (or could not be reached), with why, e.g.
 *                {@code "n2-1712 (no answer within 3000 ms)"}; empty when every node answered
 */
public record NodeReplies(Map<String, String> replies, List<String> missing) {

    /** Copies the parts. */
    public NodeReplies {
        replies = Map.copyOf(replies);
        missing = List.copyOf(missing);
    }

    /** Whether some node did not answer: a result built from it is partial. */
    public boolean partial() {
        return !missing.isEmpty();
    }
}
