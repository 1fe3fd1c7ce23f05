/**
 * End-to-end tunnel crypto between two DoSP clients (spec section 8): the X25519 hello
 * exchange carried in S2C DATA, HKDF-SHA256 key derivation, and the AES-256-GCM + HMAC-SHA256
 * tunnel frame, all byte-compatible with the reference (Python) implementation.
 *
 * <p>Only the JDK's own providers are used. Peer input that fails a check raises
 * {@link io.dosp.crypto.TunnelException} with a {@link io.dosp.crypto.TunnelException.Reason};
 * misuse by local code (wrong key length from our own code, null arguments) raises the usual
 * {@link java.lang.IllegalArgumentException} / {@link java.lang.NullPointerException}.
 */
package io.dosp.crypto;
