package io.dosp.server.internal.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web files the WebSocket port serves over plain HTTP: resources of the server jar under
 * {@value #ROOT} ({@code /} is {@code index.html}). Bounded and closed: a path is a few segments of
 * letters, digits, {@code _}, {@code -} and {@code .} that do not start with a dot (so no
 * {@code ..}, no hidden files, nothing percent-encoded is decoded), its extension one of a fixed
 * list with a fixed content type, a file at most {@value #MAX_FILE_BYTES} bytes; anything else is
 * not found. Files found are kept in memory (there are only the jar's); misses are not remembered,
 * so requests for random names cost a lookup each and hold nothing.
 *
 * <p>Thread-safe.
 */
final class StaticFiles {
    /** The classpath folder of the web files. */
    static final String ROOT = "/io/dosp/server/web/";
    static final int MAX_FILE_BYTES = 4 << 20;
    private static final int MAX_PATH_CHARS = 200;
    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]*){1,4}");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"));

    /** A file to send: its bytes and content type. */
    record File(byte[] body, String contentType) {
    }

    private final Map<String, File> found = new ConcurrentHashMap<>();

    /** The file for request target {@code uri} (query and fragment ignored), if there is one. */
    Optional<File> find(String uri) {
        String path = uri;
        int cut = indexOfAny(path, '?', '#');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        if (path.equals("/")) {
            path = "/index.html";
        }
        if (path.length() > MAX_PATH_CHARS || !SAFE_PATH.matcher(path).matches()) {
            return Optional.empty();
        }
        int dot = path.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(path.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return Optional.empty();
        }
        File f = found.get(path);
        if (f != null) {
            return Optional.of(f);
        }
        byte[] body = load(ROOT + path.substring(1));
        if (body == null) {
            return Optional.empty();
        }
        f = new File(body, type);
        found.putIfAbsent(path, f);
        return Optional.of(f);
    }

    private static byte[] load(String resource) {
        try (InputStream in = StaticFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            byte[] b = in.readNBytes(MAX_FILE_BYTES + 1);
            return b.length > MAX_FILE_BYTES ? null : b;
        } catch (IOException e) {
            return null;
        }
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }
}
