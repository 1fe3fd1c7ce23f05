package io.dosp.examples;

import io.dosp.client.DospClient;
import io.dosp.messaging.Messenger;
import io.dosp.messaging.MessengerOptions;
import io.dosp.messaging.SaveToDirectory;
import io.dosp.messaging.StreamOptions;
import io.dosp.messaging.StreamResult;
import io.dosp.messaging.StreamTransfer;
import io.dosp.server.DospServer;
import io.dosp.server.ServerConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The README's streams example: a file sent to another client's stream handler with credit-based flow control and
 * a SHA-256 check, once read by a handler and once saved into a directory. It embeds a server on a free port so it
 * runs anywhere: {@code java -cp ... io.dosp.examples.FileTransferExample}.
 */
public final class FileTransferExample {
    private FileTransferExample() {
    }

    /** Runs the example and returns what it printed, line by line. */
    public static List<String> run() throws Exception {
        List<String> lines = new ArrayList<>();
        Path dir = Files.createTempDirectory("dosp-files");
        Path file = dir.resolve("photo.jpg");
        Files.write(file, new byte[3 * 1024 * 1024 + 1]);
        Path inbox = dir.resolve("inbox");
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                .access(a -> a.adminTokenFile(dir.resolve("admin.token"))).build();
        try (DospServer server = DospServer.start(config)) {
            String address = "127.0.0.1:" + server.port();
            // README:start
            MessengerOptions options = MessengerOptions.builder()
                    .streams(StreamOptions.builder().window(256 * 1024).build())  // at most 256 KiB in flight
                    .build();
            try (DospClient alice = DospClient.connect(address);
                 DospClient bob = DospClient.connect(address);
                 Messenger sender = Messenger.attach(alice, options);
                 Messenger receiver = Messenger.attach(bob, options)) {
                CompletableFuture<String> digest = new CompletableFuture<>();
                receiver.onStream("upload", stream -> {               // on a stream thread, never an I/O thread
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = stream.input()) {            // credit is granted as this reads
                        byte[] buf = new byte[64 * 1024];
                        for (int n; (n = in.read(buf)) >= 0; ) {    // -1 only once the SHA-256 matched
                            sha.update(buf, 0, n);
                        }
                    }
                    digest.complete(stream.metadata().name() + " " + HexFormat.of().formatHex(sha.digest()));
                });
                receiver.onStream("files", new SaveToDirectory(inbox, 1L << 30, (stream, saved) -> { }));

                AtomicLong reported = new AtomicLong();
                StreamTransfer t = sender.sendFile(bob.vip(), "upload", file)
                        .onProgress(p -> reported.set(p.bytes()));     // after each chunk
                StreamResult r = t.result().get(30, TimeUnit.SECONDS);  // the receiver confirmed every byte
                lines.add("sent " + r.bytes() + " bytes, progress reported " + reported.get());
                lines.add("receiver read " + digest.get(30, TimeUnit.SECONDS).equals("photo.jpg " + r.sha256()));
                sender.sendFile(bob.vip(), "files", file).result().get(30, TimeUnit.SECONDS);
                lines.add("saved " + Files.size(inbox.resolve("photo.jpg")) + " bytes");
            }
            // README:end
        }
        lines.forEach(System.out::println);
        return lines;
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        run();
    }
}
