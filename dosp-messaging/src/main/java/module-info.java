/**
 * DoSP messaging: named messages, typed calls (RPC), discovery and streams between DoSP clients, carried in the
 * envelope of {@code docs/messaging.md} as S2C data. {@code io.dosp.messaging} is the API ({@code Messenger}, the
 * annotations, codecs and errors); {@code io.dosp.messaging.internal} stays inside the module.
 */
module io.dosp.messaging {
    requires transitive io.dosp.client;
    requires transitive com.fasterxml.jackson.databind;
    requires jackson.dataformat.msgpack;
    requires org.slf4j;
    // Optional: ServerServices turns annotated services into server functions; a client user never needs the server.
    requires static io.dosp.server;

    exports io.dosp.messaging;
    // Jackson reads and writes the application's records and the layer's own wire objects reflectively.
    opens io.dosp.messaging.internal to com.fasterxml.jackson.databind;
}
