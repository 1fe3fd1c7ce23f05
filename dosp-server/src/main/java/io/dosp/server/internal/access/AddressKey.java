package io.dosp.server.internal.access;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * What a per-address limit counts a connection under: an IPv4 address as it is, an IPv6 address
 * by its /64 (a host or site usually holds a whole /64, so counting single IPv6 addresses would
 * let one machine multiply its allowance), an IPv4-mapped IPv6 address as its IPv4 address.
 * Stateless.
 */
public final class AddressKey {
    private static final int PREFIX_BYTES = 8;

    private AddressKey() {
    }

    /** The key of {@code remote}, or null when it has no IP address (in-process clients: not limited). */
    public static InetAddress of(SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress s) || s.getAddress() == null) {
            return null;
        }
        InetAddress a = s.getAddress();
        if (!(a instanceof Inet6Address)) {
            return a;
        }
        byte[] b = a.getAddress();
        try {
            if (isIpv4Mapped(b)) {
                return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
            }
            Arrays.fill(b, PREFIX_BYTES, 16, (byte) 0);
            return InetAddress.getByAddress(b); // no scope: fe80::1%eth0 and %eth1 are one key
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes was refused", e);
        }
    }

    /** The key as an operator reads it in a log line: {@code 203.0.113.7} or {@code 2001:db8:0:1:0:0:0:0/64}. */
    public static String describe(InetAddress key) {
        if (key == null) {
            return "in-process";
        }
        return key instanceof Inet6Address ? key.getHostAddress() + "/64" : key.getHostAddress();
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
