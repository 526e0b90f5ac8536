package io.jswarm.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * moby's response schemas (vendored from api/swagger.yaml into moby-swagger-responses.json) and a checker:
 * required fields present, every field given of the declared type, arrays and maps element by element.
 */
final class SwaggerSchema {
    private static Map<String, Object> responses;
    private static Map<String, Object> errorResponse;

    @SuppressWarnings("unchecked")
    private static synchronized void load() throws IOException {
        if (responses == null) {
            try (InputStream in = SwaggerSchema.class.getResourceAsStream("/moby-swagger-responses.json")) {
                Map<String, Object> all = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                responses = (Map<String, Object>) all.get("responses");
                errorResponse = (Map<String, Object>) all.get("ErrorResponse");
            }
        }
    }

    /** The problems of {@code body} against the schema of {@code "METHOD /path STATUS"}; empty: it conforms. */
    @SuppressWarnings("unchecked")
    static List<String> check(String key, String body, int status) throws IOException {
        load();
        Map<String, Object> schema = status >= 400 ? errorResponse : (Map<String, Object>) responses.get(key + " " + status);
        if (schema == null) {
            throw new IllegalArgumentException("no vendored schema for " + key + " " + status);
        }
        List<String> problems = new ArrayList<>();
        check(Json.parse(body), schema, "$", problems);
        return problems;
    }

    static boolean has(String key) throws IOException {
        load();
        return responses.containsKey(key);
    }

    @SuppressWarnings("unchecked")
    private static void check(Object v, Map<String, Object> schema, String where, List<String> problems) {
        if (v == null) {
            return; // absent or null: moby omits or nulls optional fields too (required is checked by the parent)
        }
        String type = (String) schema.get("type");
        if (type == null && schema.containsKey("properties")) {
            type = "object";
        }
        if (type == null) {
            return; // free-form
        }
        boolean ok = switch (type) {
            case "string" -> v instanceof String;
            case "integer" -> v instanceof Long;
            case "number" -> v instanceof Long || v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "array" -> v instanceof List;
            case "object" -> v instanceof Map;
            default -> true;
        };
        if (!ok) {
            problems.add(where + ": expected " + type + ", got " + v.getClass().getSimpleName());
            return;
        }
        if (v instanceof String s && schema.get("enum") instanceof List<?> allowed && !allowed.contains(s)) {
            problems.add(where + ": " + s + " not one of " + allowed);
        }
        if (v instanceof List<?> l && schema.get("items") instanceof Map<?, ?> items) {
            for (int i = 0; i < l.size(); i++) {
                check(l.get(i), (Map<String, Object>) items, where + "[" + i + "]", problems);
            }
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> props = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
            for (Object req : (List<Object>) schema.getOrDefault("required", List.of())) {
                if (m.get(req) == null) {
                    problems.add(where + ": required " + req + " missing");
                }
            }
            for (var e : m.entrySet()) {
                Object sub = props.get(e.getKey());
                if (sub instanceof Map<?, ?> subSchema) {
                    check(e.getValue(), (Map<String, Object>) subSchema, where + "." + e.getKey(), problems);
                } else if (schema.get("additionalProperties") instanceof Map<?, ?> add) {
                    check(e.getValue(), (Map<String, Object>) add, where + "." + e.getKey(), problems);
                }
            }
        }
    }
}
