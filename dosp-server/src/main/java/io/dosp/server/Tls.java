package io.dosp.server;

import javax.net.ssl.SSLContext;

/**
 * TLS for the TCP listener: off by default (the reference has none, and reference clients cannot
 * speak it), or on with an {@link SSLContext} whose key managers hold the server certificate. The
 * in-process transport never uses TLS. Part of {@link ServerConfig} ({@link ServerConfig#tls()}).
 *
 * <p>Immutable and thread-safe (an {@link SSLContext} is safe to share).
 */
public final class Tls {
    /** TLS off: plain TCP, as the reference. */
    public static final Tls DISABLED = new Tls(null);

    private final SSLContext context;

    private Tls(SSLContext context) {
        this.context = context;
    }

    /** A builder, TLS off until {@link Builder#context} is given. */
    public static Builder builder() {
        return new Builder();
    }

    /** TLS with {@code context}; null turns TLS off. */
    public static Tls of(SSLContext context) {
        return context == null ? DISABLED : new Tls(context);
    }

    /** Whether TCP connections use TLS. */
    public boolean enabled() {
        return context != null;
    }

    /** The context TCP connections are served with, or null when TLS is off. */
    public SSLContext context() {
        return context;
    }

    /** A builder preset with this setting. */
    public Builder toBuilder() {
        return new Builder().context(context);
    }

    /** Builds {@link Tls}; not thread-safe. */
    public static final class Builder {
        private SSLContext context;

        private Builder() {
        }

        /**
         * Serve TCP clients over TLS with this context (its key managers hold the server
         * certificate); null turns TLS off. Reference clients cannot speak TLS: enable it only for
         * clients of this project.
         */
        public Builder context(SSLContext context) {
            this.context = context;
            return this;
        }

        /** Builds (nothing to validate: the context was checked when it was made). */
        public Tls build() {
            return of(context);
        }
    }
}
