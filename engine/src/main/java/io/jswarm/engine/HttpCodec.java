package io.jswarm.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads HTTP/1.1 requests and writes responses on one connection's streams; bounded by {@link Limits}. */
final class HttpCodec {
    /** A request the server refuses with {@code status} and then closes the connection (its framing is lost). */
    static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Server limits: connections, header bytes, body bytes, and how long one request may take to arrive. */
    record Limits(int maxConnections, int maxHeaderBytes, int maxBodyBytes, java.time.Duration readTimeout) {
        static final Limits DEFAULT = new Limits(64, 16 * 1024, 1 << 20, java.time.Duration.ofSeconds(10));
    }

    private final InputStream in;
    private final OutputStream out;
    private final Limits limits;

    HttpCodec(InputStream in, OutputStream out, Limits limits) {
        this.in = in;
        this.out = out;
        this.limits = limits;
    }

    /** The parsed head of a request; {@code keepAlive} as the version and Connection header say. */
    record Head(String method, String target, Map<String, String> headers, boolean keepAlive) {
    }

    /** The next request's head, or null at a clean end of stream before its first byte. */
    Head readHead() throws IOException, Refused {
        int budget = limits.maxHeaderBytes();
        String requestLine = null;
        while (requestLine == null || requestLine.isEmpty()) { // RFC 9112: ignore empty lines before a request
            requestLine = line(budget, requestLine == null);
            if (requestLine == null) {
                return null;
            }
            budget -= requestLine.length() + 2;
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(c -> c >= 'A' && c <= 'Z')
                || !parts[1].startsWith("/") || !(parts[2].equals("HTTP/1.1") || parts[2].equals("HTTP/1.0"))) {
            throw new Refused(400, "malformed HTTP request line");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        while (true) {
            String l = line(budget, false);
            budget -= l.length() + 2;
            if (l.isEmpty()) {
                break;
            }
            int colon = l.indexOf(':');
            if (colon <= 0 || l.substring(0, colon).chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
                throw new Refused(400, "malformed HTTP header line");
            }
            String name = l.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = l.substring(colon + 1).strip();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        String conn = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = parts[2].equals("HTTP/1.1") ? !conn.contains("close") : conn.contains("keep-alive");
        return new Head(parts[0], parts[1], headers, keepAlive);
    }

    /** One CRLF- (or LF-) terminated line in ISO-8859-1; null at end of stream before any byte if allowed. */
    private String line(int budget, boolean eofAllowed) throws IOException, Refused {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofAllowed && sb.isEmpty()) {
                    return null;
                }
                throw new java.io.EOFException("connection closed inside a request head");
            }
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) b);
            if (sb.length() > budget) {
                throw new Refused(431, "request header larger than " + limits.maxHeaderBytes() + " bytes");
            }
        }
    }

    /** The body the head announces: Content-Length or chunked, at most the limit (else 413). */
    byte[] readBody(Head head) throws IOException, Refused {
        String te = head.headers().get("transfer-encoding");
        String cl = head.headers().get("content-length");
        if (te != null) {
            if (cl != null) {
                throw new Refused(400, "both Transfer-Encoding and Content-Length");
            }
            if (!te.equalsIgnoreCase("chunked")) {
                throw new Refused(501, "unsupported Transfer-Encoding: " + te);
            }
            continueIfExpected(head);
            return chunked();
        }
        if (cl == null) {
            return new byte[0];
        }
        long length;
        try {
            length = Long.parseLong(cl);
        } catch (NumberFormatException e) {
            throw new Refused(400, "invalid Content-Length");
        }
        if (length < 0) {
            throw new Refused(400, "invalid Content-Length");
        }
        if (length > limits.maxBodyBytes()) {
            throw new Refused(413, "request body larger than " + limits.maxBodyBytes() + " bytes");
        }
        continueIfExpected(head);
        byte[] body = in.readNBytes((int) length);
        if (body.length != length) {
            truncated();
        }
        return body;
    }

    private static void truncated() throws java.io.EOFException {
        throw new java.io.EOFException("connection closed inside a request body");
    }

    private void continueIfExpected(Head head) throws IOException {
        if ("100-continue".equalsIgnoreCase(head.headers().get("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    private byte[] chunked() throws IOException, Refused {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(1024, false);
            int semi = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
            } catch (NumberFormatException e) {
                throw new Refused(400, "invalid chunk size");
            }
            if (size < 0) {
                throw new Refused(400, "invalid chunk size");
            }
            if (body.size() + size > limits.maxBodyBytes()) {
                throw new Refused(413, "request body larger than " + limits.maxBodyBytes() + " bytes");
            }
            if (size == 0) {
                int trailers = limits.maxHeaderBytes();
                for (String t = line(trailers, false); !t.isEmpty(); t = line(trailers, false)) {
                    trailers -= t.length() + 2; // trailers are read and dropped
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length != size) {
                truncated();
            }
            body.write(chunk);
            if (!line(2, false).isEmpty()) {
                throw new Refused(400, "chunk not followed by CRLF");
            }
        }
    }

    /** Splits a request target into the decoded path and query parameters. */
    static HttpRequest request(Head head, byte[] body) throws Refused {
        String target = head.target();
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        Map<String, List<String>> query = new LinkedHashMap<>();
        try {
            String path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
            if (q >= 0) {
                for (String pair : target.substring(q + 1).split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int eq = pair.indexOf('=');
                    String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
                }
            }
            return new HttpRequest(head.method(), path, query, head.headers(), body);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "malformed request target: " + e.getMessage());
        }
    }

    void write(HttpResponse r, boolean head, boolean close, Map<String, String> common) throws IOException {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status()))
                .append("\r\n");
        common.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        r.headers().forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        if (r.status() != 204 && r.status() != 304) {
            sb.append("Content-Length: ").append(r.body().length).append("\r\n");
        }
        if (close) {
            sb.append("Connection: close\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!head && r.status() != 204 && r.status() != 304) {
            out.write(r.body());
        }
        out.flush();
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
