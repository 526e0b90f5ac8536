package io.jswarm.pkg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Opens the .deb and .tar.gz this build made (verify phase, after build-package.sh) and checks what a host gets
 * from them: only jswarm's own paths, root-owned, one timestamp (reproducible), the unit's stop and restart
 * behaviour and capabilities, the maintainer scripts' remove/purge contract, and a launcher that gives the
 * daemon the same JVM flags as bin/jswarm.
 */
class PackageContentsTest {

    private static Path dir;
    private static Path deb;
    private static DebArchive archive;

    @BeforeAll
    static void open() throws IOException {
        dir = Path.of(System.getProperty("jswarm.package.dir", "target"));
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("jswarm_.+_amd64\\.deb")).toList();
            assertEquals(1, debs.size(), "exactly one package in " + dir + ": " + debs);
            deb = debs.getFirst();
        }
        archive = DebArchive.read(deb);
    }

    private static String version() {
        String n = deb.getFileName().toString();
        return n.substring("jswarm_".length(), n.length() - "_amd64.deb".length());
    }

    @Test
    void controlDataNamesThePackageAndItsScripts() {
        assertEquals("2.0\n", archive.debianBinary());
        String control = archive.control().get("control").text();
        assertTrue(control.contains("\nPackage: jswarm\n") || control.startsWith("Package: jswarm\n"), control);
        assertTrue(control.contains("\nVersion: " + version() + "\n"), control);
        assertTrue(control.contains("\nArchitecture: amd64\n"), control);
        assertFalse(control.toLowerCase().contains("java") && control.contains("Depends: openjdk"),
                "the runtime is inside: no Java dependency");
        assertTrue(control.matches("(?s).*\\nInstalled-Size: [1-9][0-9]{4,}\\n.*"), "installed size in KiB: " + control);
        assertEquals("/etc/default/jswarm\n", archive.control().get("conffiles").text());
        for (String s : List.of("postinst", "prerm", "postrm")) {
            DebArchive.Entry e = archive.control().get(s);
            assertTrue(e != null && e.isFile(), s + " is in the package");
            assertEquals(0755, e.mode() & 07777, s + " is executable");
            assertTrue(e.text().startsWith("#!/bin/sh\n") && e.text().contains("\nset -e\n"), s);
        }
        String prerm = archive.control().get("prerm").text();
        assertTrue(prerm.contains("\"$1\" = remove") && prerm.contains("systemctl stop jswarm.service"), prerm);
        String postrm = archive.control().get("postrm").text();
        assertTrue(postrm.contains("\"$1\" = purge") && postrm.contains("rm -rf /var/lib/jswarm"), postrm);
        // remove keeps state: the only deletion of /var/lib/jswarm is under purge
        assertEquals(1, count(postrm, "/var/lib/jswarm\n"), postrm);
        String postinst = archive.control().get("postinst").text();
        assertTrue(postinst.contains("try-restart jswarm.service"), "an upgrade restarts the daemon (live restore)");
    }

    @Test
    void installsOnlyJswarmsOwnPathsRootOwnedWithOneTimestamp() {
        Set<String> allowedRoots = Set.of("usr", "usr/bin", "usr/lib", "usr/lib/systemd", "usr/lib/systemd/system",
                "usr/lib/cni", "etc", "etc/default", "usr/share", "usr/share/doc");
        Set<String> mtimes = new TreeSet<>();
        for (DebArchive.Entry e : archive.data().values()) {
            String p = e.path();
            boolean ours = allowedRoots.contains(p) || p.equals("usr/bin/jswarm") || p.equals("usr/lib/cni/jswarm-cni") || p.startsWith("usr/lib/jswarm")
                    || p.equals("usr/lib/systemd/system/jswarm.service") || p.equals("etc/default/jswarm")
                    || p.startsWith("usr/share/doc/jswarm");
            assertTrue(ours, "the package installs nothing but its own paths: " + p);
            assertEquals(0, e.uid(), p + " owned by root");
            assertEquals(0, e.gid(), p + " group root");
            if (e.type() == '2') {                   // the runtime's legal/ notices link to java.base's
                assertFalse(e.link().startsWith("/") || !p.startsWith("usr/lib/jswarm/runtime/legal/"), p + " -> " + e.link());
            } else {
                assertEquals(0, e.mode() & 06002, p + ": no setuid/setgid, not world-writable");
            }
            mtimes.add(Long.toString(e.mtime()));
        }
        assertEquals(1, mtimes.size(), "every file carries SOURCE_DATE_EPOCH: " + mtimes);
        for (String f : List.of("usr/bin/jswarm", "usr/lib/cni/jswarm-cni", "usr/lib/jswarm/runtime/bin/java")) {
            assertEquals(0755, archive.data().get(f).mode() & 07777, f + " executable");
        }
        for (String f : List.of("usr/lib/jswarm/jswarm.jar", "usr/lib/jswarm/jswarm.aot", "usr/lib/jswarm/jswarm-thin.jar",
                "usr/lib/jswarm/jswarm-thin.aot", "usr/lib/jswarm/runtime/lib/modules",
                "usr/lib/jswarm/runtime/release", "etc/default/jswarm", "usr/share/doc/jswarm/README")) {
            assertTrue(archive.data().containsKey(f) && archive.data().get(f).isFile(), f);
        }
        assertFalse(archive.data().keySet().stream().anyMatch(p -> p.startsWith("usr/lib/jswarm/runtime/include")),
                "no JDK headers in the runtime");
        String release = archive.data().get("usr/lib/jswarm/runtime/release").text();
        assertTrue(release.contains("JAVA_VERSION=\"25"), release);
        assertFalse(release.contains("jdk.compiler"), "a trimmed runtime, not the JDK: " + release);
    }

    @Test
    void theUnitRunsTheDaemonWithLiveRestoreStopsAndOnlyItsCapabilities() {
        String unit = archive.data().get("usr/lib/systemd/system/jswarm.service").text();
        Map<String, String> d = directives(unit);
        assertEquals("/usr/bin/jswarm daemon $JSWARM_DAEMON_OPTS", d.get("ExecStart"));
        assertEquals("-/etc/default/jswarm", d.get("EnvironmentFile"));
        assertEquals("on-failure", d.get("Restart"));
        assertEquals("SIGTERM", d.get("KillSignal"));
        assertEquals("process", d.get("KillMode"));
        assertEquals("143", d.get("SuccessExitStatus"));
        assertEquals("yes", d.get("NoNewPrivileges"));
        assertEquals(Set.of("CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_NET_BIND_SERVICE"),
                Set.of(d.get("CapabilityBoundingSet").split(" ")));
        assertEquals("multi-user.target", d.get("WantedBy"));
        // A private mount namespace would hide the sandboxes' bind mounts and lose them on every restart.
        for (String mountNs : List.of("ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "ReadWritePaths",
                "PrivateNetwork", "ProtectKernelTunables", "MountFlags")) {
            assertFalse(d.containsKey(mountNs), mountNs + " must not be set");
        }
        String defaults = archive.data().get("etc/default/jswarm").text();
        assertTrue(defaults.contains("\nJSWARM_DAEMON_OPTS=\"\"\n"), defaults);
    }

    @Test
    void theLauncherGivesTheDaemonTheSameJvmFlagsAsBinJswarm() throws IOException {
        String launcher = archive.data().get("usr/bin/jswarm").text();
        Path repo = Path.of(System.getProperty("jswarm.repo.root", ".."));
        String dev = Files.readString(repo.resolve("bin/jswarm"));
        Matcher devFlags = Pattern.compile("\\nDAEMON_JVM_FLAGS=\\((.+)\\)\\n").matcher(dev);
        Matcher pkgFlags = Pattern.compile("\\nDAEMON_JVM_FLAGS=\"(.+)\"\\n").matcher(launcher);
        assertTrue(devFlags.find() && pkgFlags.find(), "both launchers define DAEMON_JVM_FLAGS");
        assertEquals(devFlags.group(1), pkgFlags.group(1));
        assertTrue(launcher.contains("exec \"$LIB/runtime/bin/java\" --enable-native-access=ALL-UNNAMED"), launcher);
        assertTrue(launcher.contains("-XX:AOTCache=$LIB/jswarm.aot"), launcher);
        // the thin client first, with its own cache; the full client only after its "fall back" exit
        assertTrue(launcher.indexOf("io.jswarm.thin.ThinClient") < launcher.indexOf("-jar \"$LIB/jswarm.jar\""), launcher);
        assertTrue(launcher.contains("-XX:AOTCache=\"$LIB/jswarm-thin.aot\""), launcher);
        // the CNI plugin likewise: the thin jswarm-cni first, the full plugin after 120, fed the same stdin
        String cni = archive.data().get("usr/lib/cni/jswarm-cni").text();
        assertTrue(cni.indexOf("io.jswarm.thin.ThinCni") > 0 && cni.indexOf("io.jswarm.thin.ThinCni") < cni.indexOf("io.jswarm.cli.cni.CniMain"), cni);
        assertTrue(cni.contains("[ \"$rc\" -ne 120 ] && exit \"$rc\""), cni);
        assertEquals(2, cni.split(java.util.regex.Pattern.quote("printf '%s' \"$CONF\" |"), -1).length - 1, "both plugins read the kept stdin: " + cni);
    }

    @Test
    void theTarballHoldsTheSameTree() throws IOException {
        Path tgz = dir.resolve(deb.getFileName().toString().replaceFirst("\\.deb$", ".tar.gz"));
        Map<String, DebArchive.Entry> tar = DebArchive.tarGz(tgz);
        assertEquals(new TreeSet<>(archive.data().keySet()), new TreeSet<>(tar.keySet()));
        String unit = "usr/lib/systemd/system/jswarm.service";
        assertEquals(archive.data().get(unit).text(), tar.get(unit).text());
    }

    private static Map<String, String> directives(String unit) {
        return unit.lines().map(String::strip).filter(l -> !l.startsWith("#") && l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
            n++;
        }
        return n;
    }
}
