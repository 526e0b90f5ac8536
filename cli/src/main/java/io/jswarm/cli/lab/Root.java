package io.jswarm.cli.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may create namespaces. */
public final class Root {
    private Root() {
    }

    /** Effective uid 0, read from /proc so nothing is forked. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
