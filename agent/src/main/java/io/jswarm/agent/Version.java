package io.jswarm.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This build's version (ENGINE VERSION in {@code node ls}, "Server Version" in {@code info}). */
public final class Version {
    public static final String VALUE = load();

    private Version() {
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
