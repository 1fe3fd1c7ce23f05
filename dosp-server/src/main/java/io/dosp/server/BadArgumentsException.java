package io.dosp.server;

/**
 * Thrown by a {@link TypedFunction} whose arguments do not fit its parameters (wrong count, a value of the wrong type,
 * failed validation): the caller gets ERROR {@code BAD_ARGUMENTS} with this message and {@link #field()}.
 */
public class BadArgumentsException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String field;

    /**
     * The argument {@code field} (a parameter or record component name, or null when the arguments as a whole are bad)
     * is wrong as {@code message} says.
     */
    public BadArgumentsException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The first bad argument's name, or null. */
    public String field() {
        return field;
    }
}
