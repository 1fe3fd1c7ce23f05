package io.dosp.client;

import javax.net.ssl.SSLContext;

/**
 * TLS for a client's TCP connection: off by default, because reference servers do not speak it.
 * When on, the context's trust managers decide which server certificates are accepted and, by
 * default, the certificate must also match the host name. Tunnels still apply inside TLS: TLS
 * hides traffic from the network, tunnels hide it from the server.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()} or inside
 * {@code ClientOptions.builder().tls(t -> ...)}.
 */
public final class TlsOptions {
    /** Whether the server certificate must match the host name when TLS is on. */
    public static final boolean DEFAULT_VERIFY_HOSTNAME = true;
    /** TLS off. */
    public static final TlsOptions OFF = builder().build();

    private final SSLContext context;
    private final boolean verifyHostname;

    private TlsOptions(Builder b) {
        context = b.context;
        verifyHostname = b.verifyHostname;
    }

    /** A builder with TLS off. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return new Builder().context(context).verifyHostname(verifyHostname);
    }

    /** Whether TLS is on (a context is set). */
    public boolean enabled() {
        return context != null;
    }

    /** The TLS context, or null when TLS is off. */
    public SSLContext context() {
        return context;
    }

    /** Whether the server certificate must match the host name. */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** Builds {@link TlsOptions}; not thread-safe. */
    public static final class Builder {
        private SSLContext context;
        private boolean verifyHostname = DEFAULT_VERIFY_HOSTNAME;

        private Builder() {
        }

        /** Connect over TLS with this context; null turns TLS off. */
        public Builder context(SSLContext context) {
            this.context = context;
            return this;
        }

        /** {@code false} accepts a trusted certificate for any host name. */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /** Builds (every combination is valid on its own; {@link ClientOptions} refuses TLS for the in-process transport). */
        public TlsOptions build() {
            return new TlsOptions(this);
        }
    }
}
