package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The oracle's XFRM: {@code ip xfrm} command lines for the XFRM changes and parsers for {@code ip xfrm policy list}
 * and {@code ip -s xfrm state list} (iproute2 6.x text). Differences from NetlinkKernel, on purpose kept simple: an
 * SA is replaced by delete + add (counters restart; without traffic no contract case can tell), and the key is on
 * the command line (test keys only: the product never forks).
 */
final class IprouteXfrm {
    private IprouteXfrm() {
    }

    static List<List<String>> of(KernelChange change) {
        return switch (change) {
            case KernelChange.SetXfrmState s -> List.of(deleteSa(s.state().id()), addSa(s.state()));
            case KernelChange.DeleteXfrmState d -> List.of(deleteSa(d.id()));
            case KernelChange.SetXfrmPolicy p -> List.of(policy(p.policy()));
            case KernelChange.DeleteXfrmPolicy d -> {
                List<String> cmd = new ArrayList<>(List.of("ip", "xfrm", "policy", "delete"));
                selector(cmd, d.key().selector());
                cmd.addAll(List.of("dir", dir(d.key().dir())));
                yield List.of(cmd);
            }
            default -> throw new IllegalArgumentException("not an XFRM change: " + change);
        };
    }

    /** Deletes of absent SAs say "No such process", of absent policies "No such file or directory". */
    static boolean absentIsFine(KernelChange change, List<String> cmd, String out) {
        boolean delete = cmd.size() > 3 && cmd.get(3).equals("delete");
        return delete && out.contains("No such");
    }

    private static List<String> deleteSa(XfrmId id) {
        return List.of("ip", "xfrm", "state", "delete", "dst", id.dst().getHostAddress(), "proto", "esp", "spi",
                hex(id.spi()));
    }

    private static List<String> addSa(XfrmState s) {
        long seq = s.initialSeq();
        List<String> cmd = new ArrayList<>(List.of("ip", "xfrm", "state", "add", "src", s.src().getHostAddress(),
                "dst", s.dst().getHostAddress(), "proto", "esp", "spi", hex(s.spi()), "reqid", hex(s.reqid()),
                "mode", "transport", "replay-window", String.valueOf(s.replayWindow()), "flag", "esn",
                "replay-oseq", hex((int) seq), "replay-seq", hex((int) seq),
                "replay-oseq-hi", hex((int) (seq >>> 32)), "replay-seq-hi", hex((int) (seq >>> 32)),
                "aead", XfrmState.AEAD, "0x" + HexFormat.of().formatHex(s.key()), String.valueOf(XfrmState.ICV_BITS)));
        limit(cmd, "byte-soft", s.limits().softBytes());
        limit(cmd, "byte-hard", s.limits().hardBytes());
        limit(cmd, "packet-soft", s.limits().softPackets());
        limit(cmd, "packet-hard", s.limits().hardPackets());
        return cmd;
    }

    private static void limit(List<String> cmd, String which, long value) {
        if (value != XfrmLimits.INFINITE) {
            cmd.addAll(List.of("limit", which, Long.toUnsignedString(value)));
        }
    }

    private static List<String> policy(XfrmPolicy p) {
        List<String> cmd = new ArrayList<>(List.of("ip", "xfrm", "policy", "update"));
        selector(cmd, p.selector());
        cmd.addAll(List.of("dir", dir(p.dir()), "priority", String.valueOf(p.priority()), "action",
                p.action() == XfrmPolicy.Action.BLOCK ? "block" : "allow"));
        XfrmPolicy.Template t = p.template();
        if (t != null) {
            cmd.add("tmpl");
            if (t.src() != null) {
                cmd.addAll(List.of("src", t.src().getHostAddress()));
            }
            if (t.dst() != null) {
                cmd.addAll(List.of("dst", t.dst().getHostAddress()));
            }
            cmd.addAll(List.of("proto", "esp"));
            if (t.spi() != 0) {
                cmd.addAll(List.of("spi", hex(t.spi())));
            }
            cmd.addAll(List.of("reqid", hex(t.reqid()), "mode", "transport"));
        }
        return cmd;
    }

    private static void selector(List<String> cmd, XfrmSelector s) {
        cmd.addAll(List.of("src", s.src() == null ? "0.0.0.0/0" : s.src().toString(),
                "dst", s.dst() == null ? "0.0.0.0/0" : s.dst().toString()));
        if (s.proto() != 0) {
            cmd.addAll(List.of("proto", String.valueOf(s.proto())));
        }
        if (s.dport() != 0) {
            cmd.addAll(List.of("dport", String.valueOf(s.dport())));
        }
    }

    private static String dir(XfrmPolicy.Direction d) {
        return d.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    /** {@code ip xfrm policy list}: one block per policy, its first line unindented; socket policies skipped. */
    static List<XfrmPolicy> policies(String text) {
        List<XfrmPolicy> out = new ArrayList<>();
        for (String block : blocks(text)) {
            String b = " " + block.replaceAll("\\s+", " ") + " ";
            if (b.contains(" socket ") || !b.startsWith(" src ") || word(b, "src").contains(":")) {
                continue;
            }
            String tmpl = b.contains(" tmpl ") ? b.substring(b.indexOf(" tmpl ") + 5) : null;
            String head = tmpl == null ? b : b.substring(0, b.indexOf(" tmpl ") + 1);
            XfrmSelector sel = new XfrmSelector(prefix(word(head, "src")), prefix(word(head, "dst")),
                    proto(word(head, "proto")), (int) number(word(head, "dport"), 0));
            XfrmPolicy.Template t = tmpl == null ? null : new XfrmPolicy.Template(any(word(tmpl, "src")),
                    any(word(tmpl, "dst")), (int) number(word(tmpl, "spi"), 0), (int) number(word(tmpl, "reqid"), 0));
            XfrmPolicy.Direction dir = XfrmPolicy.Direction.valueOf(word(head, "dir").toUpperCase(java.util.Locale.ROOT));
            XfrmPolicy.Action action = "block".equals(word(head, "action")) ? XfrmPolicy.Action.BLOCK
                    : XfrmPolicy.Action.ALLOW;
            out.add(new XfrmPolicy(sel, dir, (int) number(word(head, "priority"), 0), action, t));
        }
        return out;
    }

    /** {@code ip -s xfrm state list}: ESP transport SAs with rfc4106(gcm(aes)); the rest skipped. */
    static List<XfrmState> states(String text) {
        List<XfrmState> out = new ArrayList<>();
        for (String block : blocks(text)) {
            String b = " " + block.replace(",", " ").replaceAll("\\s+", " ") + " ";
            if (!b.contains(" proto esp ") || !b.contains(" mode transport ") || !b.contains(" " + XfrmState.AEAD + " ")) {
                continue;
            }
            // "aead rfc4106(gcm(aes)) 0x<key> (160 bits) 128"
            Matcher key = Pattern.compile(Pattern.quote(XfrmState.AEAD) + " 0x([0-9a-f]+) \\(\\d+ bits\\) (\\d+)")
                    .matcher(b);
            Matcher limits = Pattern.compile("limit: soft (\\S+)\\(bytes\\) hard (\\S+)\\(bytes\\) limit: soft (\\S+)"
                    + "\\(packets\\) hard (\\S+)\\(packets\\)").matcher(b);
            Matcher current = Pattern.compile("lifetime current: (\\d+)\\(bytes\\) (\\d+)\\(packets\\)").matcher(b);
            Matcher stats = Pattern.compile("stats: replay-window \\d+ replay (\\d+) failed (\\d+)").matcher(b);
            if (!key.find() || !limits.find()) {
                continue;
            }
            // "anti-replay esn context: seq-hi 0x0, seq 0xffffff00, oseq-hi 0x0, oseq 0xffffff00" (the earlier
            // "seq 0x00000000" is the legacy 32-bit one)
            String esn = b.contains(" anti-replay esn context: ") ? b.substring(b.indexOf(" anti-replay esn context: ")) : b;
            long oseq = (number(word(esn, "oseq-hi"), 0) << 32) | number(word(esn, "oseq"), 0);
            long seq = (number(word(esn, "seq-hi"), 0) << 32) | number(word(esn, "seq"), 0);
            XfrmCounters counters = current.find() && stats.find()
                    ? new XfrmCounters(Long.parseLong(current.group(1)), Long.parseLong(current.group(2)),
                    Long.parseLong(stats.group(1)), Long.parseLong(stats.group(2))) : XfrmCounters.NONE;
            out.add(new XfrmState(ip(word(b, "src")), ip(word(b, "dst")), (int) number(word(b, "spi"), 0),
                    (int) number(word(b, "reqid"), 0), HexFormat.of().parseHex(key.group(1)),
                    (int) number(word(esn, "replay_window"), 0),
                    new XfrmLimits(lim(limits.group(1)), lim(limits.group(2)), lim(limits.group(3)), lim(limits.group(4))),
                    Long.compareUnsigned(oseq, seq) >= 0 ? oseq : seq, counters));
        }
        return out;
    }

    private static List<String> blocks(String text) {
        List<String> blocks = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                if (cur != null) {
                    blocks.add(cur.toString());
                }
                cur = new StringBuilder();
            }
            if (cur != null) {
                cur.append(line).append('\n');
            }
        }
        if (cur != null) {
            blocks.add(cur.toString());
        }
        return blocks;
    }

    private static String word(String text, String key) {
        Matcher m = Pattern.compile(" " + Pattern.quote(key) + " (\\S+)").matcher(text);
        return m.find() ? m.group(1) : null;
    }

    /** {@code 0x4a010002}, {@code 128} or iproute2's {@code 0x4a010002(1241579522)} / {@code 4870999(0x004a5357)}. */
    private static long number(String s, long absent) {
        if (s == null) {
            return absent;
        }
        if (s.indexOf('(') > 0) {
            s = s.substring(0, s.indexOf('('));
        }
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseUnsignedLong(s);
    }

    private static long lim(String s) {
        return s.equals("(INF)") ? XfrmLimits.INFINITE : Long.parseUnsignedLong(s);
    }

    private static int proto(String s) {
        return s == null ? 0 : switch (s) {
            case "udp" -> XfrmSelector.UDP;
            case "tcp" -> 6;
            default -> Integer.parseInt(s);
        };
    }

    private static IpPrefix prefix(String s) {
        IpPrefix p = IpPrefix.parse(s);
        return p.length() == 0 ? null : p;
    }

    private static InetAddress any(String s) {
        InetAddress a = ip(s);
        return a == null || a.isAnyLocalAddress() ? null : a;
    }

    private static InetAddress ip(String s) {
        return s == null ? null : IpPrefix.parseAddress(s);
    }
}
