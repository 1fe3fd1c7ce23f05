package io.dosp.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;

/**
 * Reads standard input (a terminal or a pipe) line by line on a daemon thread and posts each line,
 * then {@link #END}, to a queue; the shell's main loop takes lines and connection events from that
 * one queue, so a server that hangs up ends the shell even while it waits for input.
 */
final class LineInput {
    /** Posted once when the input ends (EOF, Ctrl+D, or a read error). */
    static final Object END = new Object();

    private LineInput() {
    }

    static void start(InputStream in, BlockingQueue<Object> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.add(line);
                }
            } catch (IOException e) {
                sink.add("#input error: " + e.getMessage());
            }
            sink.add(END);
        }, "dosp-input");
        t.setDaemon(true);
        t.start();
    }
}
