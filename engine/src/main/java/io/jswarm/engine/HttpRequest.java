package io.jswarm.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One HTTP/1.1 request as the server read it.
 *
 * @param method  e.g. {@code GET}
 * @param path    the decoded path, without the query
 * @param query   decoded query parameters, every value of each name in order
 * @param headers header names lower-cased; a repeated header's values joined with ", "
 * @param body    the whole body (at most the server's body limit), empty when none
 */
public record HttpRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
                          byte[] body) {
    public HttpRequest {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /** The first value of query parameter {@code name}, or {@code fallback}. */
    public String param(String name, String fallback) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? fallback : v.getFirst();
    }

    /** Docker's boolean query values: 1/true/True/... are true, absent/0/false false, anything else refused. */
    public boolean flag(String name) {
        String v = param(name, "");
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "", "0", "false", "f" -> false;
            case "1", "true", "t" -> true;
            default -> throw new IllegalArgumentException("invalid boolean value for " + name + ": " + v);
        };
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String lowerName) {
        return headers.get(lowerName);
    }
}
