package io.dosp.client;

import io.dosp.protocol.Login;

/**
 * A login was refused or could not be completed: unknown user or wrong password, a revoked user, too many failed
 * attempts (retry later), a server that does not offer login, or a server whose signature does not prove it holds the
 * user's verifier. Thrown by connect (and ends reconnecting: retrying the same credentials cannot succeed, and would
 * only run into the server's limits on failed logins).
 */
public class LoginFailedException extends DospClientException {
    private static final long serialVersionUID = 1L;
    private final Login.FailureCode code;
    private final String reason;

    /** Login of {@code user} at {@code server} failed with {@code code} and the server's (or our) {@code reason}. */
    public LoginFailedException(String server, String user, Login.FailureCode code, String reason) {
        super("Login of user " + user + " at DoSP server " + server + " failed: " + reason + " (" + code + ")");
        this.code = code;
        this.reason = reason;
    }

    /** Why, as the code of the server's LOGIN_FAILED ({@link Login.FailureCode#OTHER} for failures found here). */
    public Login.FailureCode code() {
        return code;
    }

    /** The server's text, or ours. */
    public String reason() {
        return reason;
    }
}
