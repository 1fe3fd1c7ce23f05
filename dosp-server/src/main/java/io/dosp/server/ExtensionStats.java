package io.dosp.server;

/**
 * What the server did for this project's client extensions (EXT frames, negotiated per connection; a reference
 * client never gets one).
 *
 * @param peerGoneSent    PEER_GONE notices queued to clients: each tells a client that a vIP it exchanged S2C with
 *                        recently changed hands (at most {@code 256} per departure)
 * @param peerGoneRefused PEER_GONE notices a client's outbound queue refused (over its hard limit, or closing); the
 *                        client then learns of the departure from ERR S2CF on its next send
 */
public record ExtensionStats(long peerGoneSent, long peerGoneRefused) {
}
