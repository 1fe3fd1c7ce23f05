package io.dosp.client;

import io.dosp.crypto.Fingerprint;
import io.dosp.protocol.Vip;
import java.util.Optional;

/**
 * What the server says about who holds a vIP under client admission ({@link DospClient#vouch}): the user logged in
 * with it and, when the user presented one at login, its Ed25519 identity key (proved by a signature over that
 * login's exchange, so bound to that connection).
 *
 * <p>Vouching protects against anyone between the vouching server and the peer (other servers of a federation, a
 * relay that tampers with S2C): they cannot make a vIP look like another user's. It does not protect against the
 * vouching server itself, which could lie; pin the peer's identity key for that.
 *
 * @param vip         the vIP asked about
 * @param user        the user holding it
 * @param identityKey the raw 32-byte Ed25519 public key it proved at login, if any
 */
public record Vouch(Vip vip, String user, Optional<byte[]> identityKey) {
    /** Copies the key. */
    public Vouch {
        identityKey = identityKey.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> identityKey() {
        return identityKey.map(byte[]::clone);
    }

    /** The identity key's fingerprint, {@code "SHA256:"} + unpadded base64 of SHA-256 of the raw key, if any. */
    public Optional<String> fingerprint() {
        return identityKey.map(k -> Fingerprint.ofRawKey(k).toString());
    }

    @Override
    public String toString() {
        return "Vouch[" + vip + " is user " + user + fingerprint().map(f -> ", identity " + f).orElse("") + "]";
    }
}
