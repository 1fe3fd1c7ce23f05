package io.dosp.client;

/**
 * The server does not offer an extension feature a call needs: it is a reference server (which speaks no extension),
 * a server of this project with the feature off, or {@link ClientOptions#extensions()} is off. Nothing was sent.
 */
public final class FeatureNotOfferedException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final String feature;

    /** {@code feature} (an {@code io.dosp.protocol.Ext} name) is not enabled on the connection to {@code server}. */
    public FeatureNotOfferedException(String server, String feature, String what) {
        super("DoSP server " + server + " does not offer the '" + feature + "' extension (" + what
                + " needs it; a reference server offers none)");
        this.feature = feature;
    }

    /** The feature's name. */
    public String feature() {
        return feature;
    }
}
