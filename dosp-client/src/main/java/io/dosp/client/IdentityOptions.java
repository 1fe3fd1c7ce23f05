package io.dosp.client;

import static io.dosp.protocol.InvalidConfigException.require;

import io.dosp.crypto.Identity;
import io.dosp.protocol.InvalidConfigException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The client's tunnel identity and how it trusts its peers' (issue 13: without identities a
 * server or relay in the middle can swap the tunnel's ephemeral keys unnoticed).
 *
 * <ul>
 *   <li><b>Identity</b>: a long-term Ed25519 key pair whose public key and signature our tunnel
 *       hellos carry ({@link io.dosp.crypto.IdentityBlock}). Given by the application
 *       ({@link Builder#identity(Identity)}), or kept in a file ({@link Builder#identityFile(Path)},
 *       created on first use, owner-only). With neither, each client generates one for its lifetime:
 *       its tunnels are still bound to it, but peers cannot recognise it after a restart.</li>
 *   <li><b>Known peers</b> ({@link KnownPeers}): the pins, (server, vIP) → fingerprint; in memory
 *       by default.</li>
 *   <li><b>Trust mode</b> ({@link TrustMode}): trust on first use by default.</li>
 *   <li><b>Verifier</b> ({@link IdentityVerifier}): an optional asynchronous check, e.g. the
 *       server's vouch.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe (the store itself is shared, not copied); built with
 * {@link #builder()} or inside {@code ClientOptions.builder().identity(i -> ...)}.
 */
public final class IdentityOptions {
    /** Trust on first use. */
    public static final TrustMode DEFAULT_MODE = TrustMode.TRUST_ON_FIRST_USE;

    private final Identity identity;
    private final Path identityFile;
    private final KnownPeers knownPeers;
    private final TrustMode mode;
    private final IdentityVerifier verifier;

    private IdentityOptions(Builder b) {
        identity = b.identity;
        identityFile = b.identityFile;
        knownPeers = b.knownPeers != null ? b.knownPeers : KnownPeers.inMemory();
        mode = b.mode;
        verifier = b.verifier;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values (the same store). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.identity = identity;
        b.identityFile = identityFile;
        b.knownPeers = knownPeers;
        b.mode = mode;
        b.verifier = verifier;
        return b;
    }

    /** The identity the application gave. */
    public Optional<Identity> identity() {
        return Optional.ofNullable(identity);
    }

    /** The identity file (loaded, or created, when the client connects). */
    public Optional<Path> identityFile() {
        return Optional.ofNullable(identityFile);
    }

    /** The pins. */
    public KnownPeers knownPeers() {
        return knownPeers;
    }

    /** The trust mode. */
    public TrustMode mode() {
        return mode;
    }

    /** The extra check, if any. */
    public Optional<IdentityVerifier> verifier() {
        return Optional.ofNullable(verifier);
    }

    /** Builds {@link IdentityOptions}; not thread-safe. */
    public static final class Builder {
        private Identity identity;
        private Path identityFile;
        private KnownPeers knownPeers;
        private TrustMode mode = DEFAULT_MODE;
        private IdentityVerifier verifier;

        private Builder() {
        }

        /** Uses this identity (and no file). */
        public Builder identity(Identity id) {
            this.identity = id;
            this.identityFile = null;
            return this;
        }

        /** Loads the identity from {@code file} when connecting, creating it there on first use (and no given identity). */
        public Builder identityFile(Path file) {
            this.identityFile = file;
            this.identity = null;
            return this;
        }

        /** The pins (default: a new in-memory store). */
        public Builder knownPeers(KnownPeers store) {
            this.knownPeers = store;
            return this;
        }

        /** The trust mode (not null). */
        public Builder mode(TrustMode m) {
            this.mode = m;
            return this;
        }

        /** An extra check of every identity, e.g. {@code IdentityVerifier.vouchedBy(...)}; null for none. */
        public Builder verifier(IdentityVerifier v) {
            this.verifier = v;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigException naming {@code identity.mode}
         */
        public IdentityOptions build() {
            require(mode != null, "identity.mode", "must be TRUST_ON_FIRST_USE, STRICT or OFF, got null");
            return new IdentityOptions(this);
        }
    }
}
