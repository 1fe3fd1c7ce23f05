/**
 * Messaging and RPC between DoSP clients: {@link io.dosp.messaging.Messenger} on a {@code DospClient} sends named
 * messages and typed calls in envelopes ({@code docs/messaging.md}) as S2C data, plain or through end-to-end
 * tunnels, and serves handlers and methods registered by name or by annotation ({@link io.dosp.messaging.Handler},
 * {@link io.dosp.messaging.Rpc}).
 */
package io.dosp.messaging;
