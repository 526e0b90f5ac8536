package io.jswarm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"s\":\"a\\\"b\\u00e9\\n\",\"i\":-12,\"big\":123456789012345678901,\"d\":1.5e2,"
                + "\"t\":true,\"f\":false,\"n\":null,\"l\":[1,[],{}]} ");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "a\"b\u00e9\n");
        expected.put("i", -12L);
        expected.put("big", 1.2345678901234568E20);
        expected.put("d", 150.0);
        expected.put("t", true);
        expected.put("f", false);
        expected.put("n", null);
        expected.put("l", List.of(1L, List.of(), Map.of()));
        assertEquals(expected, v);
        assertEquals(List.of("s", "i", "big", "d", "t", "f", "n", "l"), List.copyOf(((Map<?, ?>) v).keySet()));
    }

    @Test
    void writesWhatItParses() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", "x<y>&\"\\\u0001");
        m.put("b", Arrays.asList(1L, 2.5, true, null));
        m.put("c", Map.of());
        String s = Json.write(m);
        assertEquals("{\"a\":\"x<y>&\\\"\\\\\\u0001\",\"b\":[1,2.5,true,null],\"c\":{}}", s);
        assertEquals(m, Json.parse(s));
    }

    @Test
    void refusesMalformedInputWithAPosition() {
        for (String bad : List.of("", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "tru", "01", "1.", "-",
                "\"abc", "\"a\u0001\"", "\"\\x\"", "\"\\u12\"", "{} x", "{'a':1}", "NaN", "[1 2]", "{1:2}")) {
            Json.Malformed e = assertThrows(Json.Malformed.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().contains("offset") || e.getMessage().contains("end"), e.getMessage());
        }
    }

    @Test
    void boundsDepthAndSize() {
        String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
        assertTrue(assertThrows(Json.Malformed.class, () -> Json.parse(deep)).getMessage().contains("deeper"));
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Json.parse(ok);
        String huge = "\"" + "a".repeat(Json.MAX_CHARS) + "\"";
        assertThrows(Json.Malformed.class, () -> Json.parse(huge));
    }

    @Test
    void anEmptyBodyIsAnEmptyObjectAndANonObjectIsRefused() {
        assertEquals(Map.of(), Json.parseObject(""));
        assertThrows(Json.Malformed.class, () -> Json.parseObject("[1]"));
    }
}
