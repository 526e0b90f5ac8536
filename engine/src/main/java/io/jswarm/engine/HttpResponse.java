package io.jswarm.engine;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One answer: status, extra headers, body (JSON unless a header says otherwise). */
public record HttpResponse(int status, Map<String, String> headers, byte[] body) {
    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    public static HttpResponse json(int status, Object value) {
        return new HttpResponse(status, Map.of("Content-Type", "application/json"),
                (Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** moby's ErrorResponse: {@code {"message": "..."}}. */
    public static HttpResponse error(int status, String message) {
        return json(status, Map.of("message", message));
    }

    public static HttpResponse empty(int status) {
        return new HttpResponse(status, Map.of(), new byte[0]);
    }

    public static HttpResponse text(int status, String text) {
        return new HttpResponse(status, Map.of("Content-Type", "text/plain; charset=utf-8"),
                text.getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, h, body);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
