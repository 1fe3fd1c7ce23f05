package io.dosp.client.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;

/**
 * The machine hash a client sends in CLIENT_INFO: SHA-256 (64 hex characters) of the machine's
 * identity: {@code /etc/machine-id} when it exists, else host name, hardware addresses, OS and
 * user. Stable across runs on one machine; not secret (servers ban by it).
 */
public final class MachineHash {
    private static volatile String cached;

    private MachineHash() {
    }

    /** The hash for this machine. */
    public static String compute() {
        String c = cached;
        if (c == null) {
            c = HexFormat.of().formatHex(sha256(identity()));
            cached = c;
        }
        return c;
    }

    private static String identity() {
        for (String file : new String[] {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
            try {
                String id = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return "machine-id:" + id;
                }
            } catch (IOException | SecurityException e) {
                // try the next source
            }
        }
        StringBuilder sb = new StringBuilder("host:");
        try {
            sb.append(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            sb.append("unknown");
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                byte[] mac = ni.getHardwareAddress();
                if (mac != null && !ni.isLoopback()) {
                    sb.append('|').append(HexFormat.of().formatHex(mac));
                }
            }
        } catch (IOException e) {
            // no interfaces readable: host name and OS are all we have
        }
        return sb.append("|os:").append(System.getProperty("os.name")).append("|user:")
                .append(System.getProperty("user.name")).toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
