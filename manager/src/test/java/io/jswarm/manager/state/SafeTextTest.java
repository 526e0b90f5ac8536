package io.jswarm.manager.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SafeTextTest {
    @Test
    void controlCharactersAreEscapedAndLongTextCut() {
        assertEquals("\"web\"", SafeText.quote("web"));
        assertEquals("\"a\\nINFO forged\\u001b[31m\\\"\"", SafeText.quote("a\nINFO forged\u001b[31m\""));
        assertEquals("\"" + "a".repeat(80) + "\"... (100000 characters)", SafeText.quote("a".repeat(100_000)));
        assertEquals("\"\\u2028\"", SafeText.quote("\u2028"));
    }
}
