package io.dosp.bench;

/**
 * CPU seconds spent during one measured window, and the target's peak memory over the run.
 *
 * @param targetSeconds    by the target process (server or nats-server, given its PID); NaN when
 *                         unknown (direct mode, or no PID given)
 * @param generatorSeconds by the load generator's own process (all its threads)
 * @param targetRssPeakBytes the target process's largest resident set sampled from the first message
 *                         to the end of the drain ({@link RssSampler}); -1 when unknown
 */
record CpuUse(double targetSeconds, double generatorSeconds, long targetRssPeakBytes) {
    /** Microseconds of target CPU per message routed; NaN when unknown or nothing was routed. */
    double targetMicrosPerMessage(long messages) {
        return perMessage(targetSeconds, messages);
    }

    /** Microseconds of generator CPU per message routed (its own cost, for reference). */
    double generatorMicrosPerMessage(long messages) {
        return perMessage(generatorSeconds, messages);
    }

    private static double perMessage(double seconds, long messages) {
        return messages > 0 ? seconds * 1e6 / messages : Double.NaN;
    }
}
