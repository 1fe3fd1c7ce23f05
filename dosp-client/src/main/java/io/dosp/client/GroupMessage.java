package io.dosp.client;

import io.dosp.protocol.Vip;
import java.nio.charset.StandardCharsets;

/**
 * A message sent to a group this client is a member of ({@link DospNetwork#sendToGroup}), as the server delivered it
 * (extension {@code groups}; heard through {@link ClientListener#onGroupMessage}). Each message reaches each member
 * once, whichever server of the federation its sender is on.
 *
 * @param group     the group's name
 * @param sender    the vIP of the client that sent it (set by its server, not by the sender)
 * @param messageId the id the sender's server gave the message (32 hex digits), the same at every member
 * @param data      what it sent (copied)
 */
public record GroupMessage(String group, Vip sender, String messageId, byte[] data) {
    /** Copies the data. */
    public GroupMessage {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The data as UTF-8 text. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "GroupMessage[" + group + " from " + sender + ", " + data.length + " bytes]";
    }
}
