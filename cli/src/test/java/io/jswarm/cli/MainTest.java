package io.jswarm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void versionNamesTheProjectVersion() {
        String out = capture(() -> assertEquals(0, Main.run("--version")));
        assertTrue(out.matches("(?s)jswarm \\d+\\.\\d+\\.\\d+.*\\(Java 2[5-9].*"), out);
    }

    @Test
    void unknownCommandIsOneLineErrorWithExitCode2() {
        String err = captureErr(() -> assertEquals(2, Main.run("frobnicate")));
        assertTrue(err.startsWith("jswarm: Unmatched argument"), err);
        assertTrue(err.contains("See 'jswarm --help'."), err);
    }

    @Test
    void demoRejectsUnknownOptions() {
        String err = captureErr(() -> assertEquals(2, Main.run("demo", "--hosts", "3")));
        assertTrue(err.contains("Unknown option"), err);
    }

    @Test
    void userErrorsPrintTheirMessageOnlyAndUnexpectedOnesTheirType() {
        assertEquals("needs root", Main.describe(new Main.UserError("needs root")));
        assertEquals("NullPointerException: x (JSWARM_DEBUG=1 for the stack trace)",
                Main.describe(new NullPointerException("x")));
    }

    private static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }

    private static String captureErr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString();
    }
}
