package io.jswarm.pkg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads a .deb (an ar archive of debian-binary, control.tar.gz, data.tar.gz) and tar.gz files with the JDK alone,
 * so the package test needs no dpkg: ar's 60-byte member headers, tar's 512-byte ustar headers, GNU long names
 * ('L') and pax paths ('x').
 */
record DebArchive(String debianBinary, Map<String, Entry> control, Map<String, Entry> data) {

    /** One tar member: its path without a leading "./", mode, owner, time, type and (for files) content. */
    record Entry(String path, int mode, int uid, int gid, long mtime, char type, String link, byte[] content) {
        boolean isFile() {
            return type == '0' || type == '\0';
        }

        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    static DebArchive read(Path deb) throws IOException {
        byte[] b = Files.readAllBytes(deb);
        if (!new String(b, 0, 8, StandardCharsets.US_ASCII).equals("!<arch>\n")) {
            throw new IOException(deb + " is not an ar archive");
        }
        Map<String, byte[]> members = new LinkedHashMap<>();
        int pos = 8;
        while (pos + 60 <= b.length) {
            String name = ascii(b, pos, 16).strip();
            int size = Integer.parseInt(ascii(b, pos + 48, 10).strip());
            if (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            members.put(name, Arrays.copyOfRange(b, pos + 60, pos + 60 + size));
            pos += 60 + size + (size % 2);           // members are 2-byte aligned
        }
        if (!members.keySet().stream().toList().equals(java.util.List.of("debian-binary", "control.tar.gz", "data.tar.gz"))) {
            throw new IOException(deb + ": unexpected members " + members.keySet());
        }
        return new DebArchive(new String(members.get("debian-binary"), StandardCharsets.US_ASCII),
                tar(new java.io.ByteArrayInputStream(members.get("control.tar.gz"))),
                tar(new java.io.ByteArrayInputStream(members.get("data.tar.gz"))));
    }

    static Map<String, Entry> tarGz(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return tar(in);
        }
    }

    private static Map<String, Entry> tar(InputStream gz) throws IOException {
        byte[] t;
        try (InputStream in = new GZIPInputStream(gz)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            t = out.toByteArray();
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        String longName = null;
        int pos = 0;
        while (pos + 512 <= t.length && t[pos] != 0) {
            int start = pos;
            char type = (char) t[start + 156];
            int size = (int) Long.parseLong(ascii(t, start + 124, 12).strip(), 8);
            byte[] content = Arrays.copyOfRange(t, start + 512, start + 512 + size);
            pos = start + 512 + (size + 511) / 512 * 512;
            if (type == 'L') {                       // GNU: the next member's long name
                longName = new String(content, StandardCharsets.UTF_8).replace("\0", "");
                continue;
            }
            if (type == 'x') {                       // pax: "LEN path=NAME" records for the next member
                for (String rec : new String(content, StandardCharsets.UTF_8).split("\n")) {
                    int at = rec.indexOf(" path=");
                    if (at >= 0) {
                        longName = rec.substring(at + 6);
                    }
                }
                continue;
            }
            String name = ascii(t, start, 100);
            String prefix = ascii(t, start + 345, 155);
            if (longName != null) {
                name = longName;
                longName = null;
            } else if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            String path = name.replaceFirst("^\\./", "").replaceFirst("/$", "");
            if (path.isEmpty() || path.equals(".")) {
                continue;                            // the archive's root directory
            }
            entries.put(path, new Entry(path, octal(t, start + 100, 8), octal(t, start + 108, 8),
                    octal(t, start + 116, 8), Long.parseLong(ascii(t, start + 136, 12).strip(), 8), type,
                    ascii(t, start + 157, 100), content));
        }
        return entries;
    }

    private static int octal(byte[] b, int off, int len) {
        String s = ascii(b, off, len).strip();
        return s.isEmpty() ? 0 : Integer.parseInt(s, 8);
    }

    private static String ascii(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }
}
