package io.dosp.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The logging options every long-running command shares ({@code @Mixin}): {@code --log-format}
 * and {@code --debug}. Logs go to standard error through Logback, so standard output stays the
 * command's own output.
 */
public final class LoggingOptions {

    /** Log line formats. */
    public enum Format {
        /** Human-readable lines. */
        text,
        /**
         * One JSON object per line (logstash-logback-encoder): {@code @timestamp} in ISO-8601 UTC,
         * {@code level}, {@code logger_name}, {@code thread_name}, {@code message}, and the structured
         * fields the line carries ({@code event}, {@code vip}, {@code remote}, {@code reason}, {@code peer},
         * counts) as fields of their own.
         */
        json
    }

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "${env:DOSP_LOG_FORMAT:-text}",
            description = "Log lines on standard error as 'text' (for people) or 'json' (one object per line, for"
                    + " log collectors). Default: text, or $DOSP_LOG_FORMAT.")
    Format format = Format.text;

    @Option(names = "--debug", description = "Log at DEBUG level (connections, handshakes, tunnels; sizes, never payloads).")
    boolean debug;

    /** Configures Logback: {@code quietLevel} for DoSP loggers unless {@code --debug}. */
    public void apply(Level quietLevel) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder(ctx));
        console.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(console);
        root.setLevel(Level.WARN);
        ctx.getLogger("io.dosp").setLevel(debug ? Level.DEBUG : quietLevel);
        ctx.getLogger("io.netty").setLevel(Level.WARN);
    }

    /** Sets the level of the DoSP loggers ({@code --debug} keeps DEBUG whatever {@code level} says). */
    public void level(Level level) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger("io.dosp").setLevel(debug ? Level.DEBUG : level);
    }

    /** Whether {@code --debug} was given. */
    public boolean debug() {
        return debug;
    }

    private Encoder<ILoggingEvent> encoder(LoggerContext ctx) {
        if (format == Format.json) {
            LogstashEncoder json = new LogstashEncoder();
            json.setContext(ctx);
            json.setTimeZone("UTC");
            json.setIncludeContext(false);
            json.setIncludeCallerData(false);
            json.start();
            return json;
        }
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(ctx);
        pattern.setPattern(debug ? "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n"
                : "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        pattern.start();
        return pattern;
    }
}
