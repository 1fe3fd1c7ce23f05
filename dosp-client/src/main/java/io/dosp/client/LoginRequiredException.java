package io.dosp.client;

/**
 * The server has client admission on and requires a login, but the client has no credentials
 * ({@link ClientOptions.Builder#login}). Thrown by connect; the client does not reconnect.
 */
public class LoginRequiredException extends DospClientException {
    private static final long serialVersionUID = 1L;

    /** {@code server} requires a login. */
    public LoginRequiredException(String server) {
        super("DoSP server " + server + " requires a login (client admission): set ClientOptions.login(user, password)");
    }
}
