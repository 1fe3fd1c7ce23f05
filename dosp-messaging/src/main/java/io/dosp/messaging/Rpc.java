package io.dosp.messaging;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a service object as callable by other clients ({@link Messenger#register}): its parameters are
 * the call's positional arguments (a first parameter of type {@link CallContext} is not one: it tells who calls),
 * its return value the result ({@code void}: JSON {@code null}). A method returning a
 * {@link java.util.concurrent.CompletionStage} answers when the stage completes.
 *
 * <p>Arguments are checked before the method runs (see {@link Nullable}); a bad one is answered with
 * {@link ErrorCode#BAD_ARGUMENTS} naming it. Compile with {@code -parameters} so the names are the source's.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Rpc {
    /** The method name callers use; empty (the default) for the Java method's name. */
    String value() default "";
}
