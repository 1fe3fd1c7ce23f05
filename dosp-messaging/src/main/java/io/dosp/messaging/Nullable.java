package io.dosp.messaging;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Allows {@code null} for an {@link Rpc} parameter, a handler's payload or a record component. Without it (or
 * another annotation named {@code Nullable}, e.g. JSpecify's or Jakarta's), the messaging layer refuses a missing or
 * {@code null} argument, and a record whose component is {@code null} (checked through nested records, lists and
 * maps' values), with {@link ErrorCode#BAD_ARGUMENTS} naming it. Other checks belong in a record's compact
 * constructor: an {@link IllegalArgumentException} it throws is answered as {@code BAD_ARGUMENTS} too.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.TYPE_USE})
public @interface Nullable {
}
