package io.dosp.messaging;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a service object as the handler of named messages ({@link Messenger#register}). The method takes
 * the payload, or the sender's {@link io.dosp.protocol.Vip} and the payload, in that order; it returns nothing (a
 * returned value is ignored). Example: {@code @Handler("chat") void chat(Vip from, Chat chat)}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Handler {
    /** The message name (at most 255 UTF-8 bytes; names starting with {@code $} are reserved). */
    String value();
}
