package io.jswarm.vxlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may create namespaces and links: the one check the CLI, demo and tests share. */
public final class Privileges {
    private Privileges() {
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
