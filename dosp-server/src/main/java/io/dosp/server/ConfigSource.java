package io.dosp.server;

/**
 * Where a running server's configuration is read again on a reload ({@link DospServer#reload()},
 * the admin command {@code reload}, SIGHUP in {@code dosp serve}): the same layered loading the
 * server started with. {@code dosp serve} reads its file, the environment and the flags it was
 * started with; an embedded server may read whatever it likes.
 */
@FunctionalInterface
public interface ConfigSource {
    /**
     * The configuration as it is now.
     *
     * @throws Exception when it cannot be read or is invalid; its message says where and why (the reload
     *                   then changes nothing)
     */
    ServerConfig load() throws Exception;
}
