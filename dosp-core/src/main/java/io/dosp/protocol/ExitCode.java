package io.dosp.protocol;

/**
 * Codes a client puts at the start of its EXIT (0x11) body: {@code CODE} or {@code CODE,reason}.
 * Servers send plain reason text instead (see {@link ExitReason}).
 */
public enum ExitCode {
    /** {@code CC}: client closed normally. */
    CC,
    /** {@code EX}: client exits because of an exception. */
    EX,
    /** {@code UE}: unexpected error. */
    UE;

    /** The code for its text, or {@code null} if the text is not a known code. */
    public static ExitCode fromText(String text) {
        return switch (text) {
            case "CC" -> CC;
            case "EX" -> EX;
            case "UE" -> UE;
            default -> null;
        };
    }
}
