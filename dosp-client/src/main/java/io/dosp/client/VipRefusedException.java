package io.dosp.client;

import io.dosp.protocol.Vip;

/** The server refused a requested vIP (RQIP {@code E:reason}). */
public class VipRefusedException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final Vip vip;
    private final String reason;

    /** {@code vip} refused by {@code server} for {@code reason}. */
    public VipRefusedException(String server, Vip vip, String reason) {
        super("DoSP server " + server + " refused vIP " + vip + ": " + reason);
        this.vip = vip;
        this.reason = reason;
    }

    /** The vIP asked for. */
    public Vip vip() {
        return vip;
    }

    /** The server's reason ({@code IP already in use}, {@code IP can't be used}, ...). */
    public String reason() {
        return reason;
    }
}
