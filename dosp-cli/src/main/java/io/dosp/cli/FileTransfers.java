package io.dosp.cli;

import io.dosp.messaging.Messenger;
import io.dosp.messaging.SaveToDirectory;
import io.dosp.messaging.StreamProgress;
import io.dosp.messaging.StreamResult;
import io.dosp.messaging.StreamTransfer;
import io.dosp.protocol.Vip;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The file commands of {@code dosp client}: {@code /sendfile VIP PATH} (a stream to the peer's {@value #HANDLER}
 * handler, with a progress bar on a terminal) and, with {@code --files DIR}, saving the files peers send into DIR
 * ({@link SaveToDirectory}: safe names, no overwriting, bounded size).
 */
final class FileTransfers {
    /** The stream handler name both ends of the CLI use for files. */
    static final String HANDLER = "file";
    static final int BAR_WIDTH = 30;

    private final Messenger messenger;
    private final PrintStream out;
    private final boolean interactive;

    FileTransfers(Messenger messenger, PrintStream out, boolean interactive) {
        this.messenger = messenger;
        this.out = out;
        this.interactive = interactive;
    }

    /** Saves the files peers send into {@code dir}, each at most {@code maxBytes}. */
    void receiveInto(Path dir, long maxBytes) {
        messenger.onStream(HANDLER, new SaveToDirectory(dir, maxBytes, (s, p) -> out.println("[file] saved "
                + IncomingFormatter.safe(p.getFileName().toString()) + " (" + s.bytesRead() + " bytes) from "
                + s.from())));
    }

    /**
     * {@code /sendfile VIP PATH}: sends the file and waits for the peer's confirmation.
     *
     * @return null when sent, else the error to print
     */
    String sendFile(String arg) throws InterruptedException {
        int sp = arg.indexOf(' ');
        if (sp < 0) {
            return "usage: /sendfile VIP PATH, e.g. /sendfile 7.10.0.2 notes.txt";
        }
        Vip vip;
        try {
            vip = Vip.parse(arg.substring(0, sp));
        } catch (IllegalArgumentException e) {
            return "not a vIP: " + arg.substring(0, sp);
        }
        Path file = Path.of(arg.substring(sp + 1).strip());
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return "not a readable file: " + file;
        }
        StreamTransfer t = messenger.sendFile(vip, HANDLER, file);
        AtomicInteger shown = new AtomicInteger(-1);
        if (interactive) {
            t.onProgress(p -> {
                int percent = (int) (p.fraction() * 100);
                if (shown.getAndSet(percent) != percent) {
                    out.print("\r" + bar(p));
                    out.flush();
                }
            });
        }
        try {
            StreamResult r = t.result().get();
            if (interactive) {
                out.println();
            }
            out.println("sent " + file.getFileName() + " to " + vip + ": " + r.bytes() + " bytes, sha256 " + r.sha256());
            return null;
        } catch (ExecutionException e) {
            if (interactive) {
                out.println();
            }
            return "sending " + file.getFileName() + " to " + vip + " failed: " + e.getCause().getMessage();
        } catch (InterruptedException e) {
            t.cancel("interrupted");
            throw e;
        }
    }

    /** {@code [#########.....................]  30%  30.0 MiB / 100.0 MiB}. */
    static String bar(StreamProgress p) {
        double f = p.fraction();
        if (f < 0) {
            return "[" + ".".repeat(BAR_WIDTH) + "] " + size(p.bytes());
        }
        int filled = (int) Math.round(f * BAR_WIDTH);
        return String.format(Locale.ROOT, "[%s%s] %3d%%  %s / %s", "#".repeat(filled), ".".repeat(BAR_WIDTH - filled),
                (int) (f * 100), size(p.bytes()), size(p.total()));
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
