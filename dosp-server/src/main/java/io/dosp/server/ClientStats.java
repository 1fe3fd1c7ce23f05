package io.dosp.server;

import java.time.Instant;

/**
 * One client's counters at a moment. Bytes count uncompressed frames (header + body).
 *
 * @param packetsIn      packets received from the client (MPAK sub-packets counted singly)
 * @param packetsOut     packets queued to the client
 * @param bytesIn        bytes received
 * @param bytesOut       bytes queued
 * @param connectedSince when the client connected
 */
public record ClientStats(long packetsIn, long packetsOut, long bytesIn, long bytesOut, Instant connectedSince) {
}
