package io.jswarm.manager.state;

import io.jswarm.manager.ipam.IpamException;
import io.jswarm.proto.state.Endpoint;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules for an endpoint's name and aliases: each becomes a DNS name every sandbox of the network
 * resolves, so each must be one the resolver can answer and no two endpoints may claim the same one.
 *
 * <ul>
 *   <li>Syntax ({@link #checkSyntax}): a DNS name of dot-separated labels, each 1-63 characters of ASCII
 *       letters, digits, {@code _} and {@code -}, a label neither starting nor ending with {@code -}
 *       (RFC 1123 host names; {@code _} as Docker's container names allow it, and the embedded DNS answers
 *       it); the first character a letter or digit (Docker's container-name rule); 253 characters at most;
 *       no trailing dot. So {@code a..b}, a 64-character label, control characters and 100k-character
 *       names are refused, where before they were stored and never resolved.</li>
 *   <li>At most {@link #MAX_ALIASES} aliases, none repeating the name or another alias.</li>
 *   <li>Uniqueness ({@link #checkUnique}): DNS names are case-insensitive, so names and aliases are compared
 *       lower-cased; a new endpoint's name and aliases may not equal any name or alias of another endpoint
 *       on the network ({@code web} and {@code Web} are one name; an alias equal to another endpoint's name
 *       would give two answers). Nor may one end in {@code .<network>}: that is the qualified form
 *       ({@code NAME.NETWORK}) of another name.</li>
 * </ul>
 * Docker accepts a shared alias (its DNS then answers round-robin); jswarm refuses it (issue 9): one name,
 * one endpoint. Messages quote user text only through {@link SafeText}.
 */
public final class EndpointNameRules {
    public static final int MAX_NAME = 253;
    public static final int MAX_LABEL = 63;
    public static final int MAX_ALIASES = 32;

    private EndpointNameRules() {
    }

    /** Refuses a name or alias list that breaks the syntax rules; needs no state. */
    public static void checkSyntax(String name, List<String> aliases) throws IpamException {
        if (name.isEmpty()) {
            throw new IpamException("endpoint name is required");
        }
        checkName("endpoint name", name);
        if (aliases.size() > MAX_ALIASES) {
            throw new IpamException("too many aliases (" + aliases.size() + "): at most " + MAX_ALIASES);
        }
        Map<String, String> seen = new HashMap<>();
        seen.put(key(name), "the endpoint name");
        for (String a : aliases) {
            checkName("alias", a);
            String before = seen.putIfAbsent(key(a), "alias " + a);
            if (before != null) {
                throw new IpamException("alias " + a + " repeats " + before + " (names are case-insensitive)");
            }
        }
    }

    /**
     * Refuses a name or alias (already syntax-checked) that another endpoint of the network holds, or
     * that is a qualified name of this network.
     */
    public static void checkUnique(String name, List<String> aliases, Collection<Endpoint> others, String network)
            throws IpamException {
        Map<String, Endpoint> taken = new HashMap<>();
        for (Endpoint e : others) {
            taken.put(key(e.getName()), e);
            e.getAliasesList().forEach(a -> taken.put(key(a), e));
        }
        String suffix = "." + key(network);
        for (String n : concat(name, aliases)) {
            Endpoint holder = taken.get(key(n));
            if (holder != null) {
                String exists = "endpoint with name " + n + " already exists in network " + network;
                if (holder.getName().equals(n)) {
                    throw new IpamException(exists); // Docker's words for the plain case
                }
                String as = key(holder.getName()).equals(key(n)) ? "name" : "alias";
                throw new IpamException(exists + " (the " + as + " of endpoint " + holder.getName()
                        + "; names are case-insensitive)");
            }
            if (key(n).endsWith(suffix)) {
                throw new IpamException("invalid name " + n + ": a name may not end in ." + network
                        + " (that is how sandboxes qualify names on network " + network + ")");
            }
        }
    }

    /** The form names are compared in. */
    public static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static List<String> concat(String name, List<String> aliases) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(name), aliases.stream()).toList();
    }

    private static void checkName(String what, String s) throws IpamException {
        if (s.isEmpty()) {
            throw new IpamException("invalid " + what + ": empty");
        }
        if (s.length() > MAX_NAME) {
            throw new IpamException("invalid " + what + " " + SafeText.quote(s) + ": longer than " + MAX_NAME
                    + " characters");
        }
        if (!isAsciiAlnum(s.charAt(0))) {
            throw new IpamException("invalid " + what + " " + SafeText.quote(s) + ": must start with a letter or digit");
        }
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i < s.length() && s.charAt(i) != '.') {
                char c = s.charAt(i);
                if (!isAsciiAlnum(c) && c != '-' && c != '_') {
                    throw new IpamException("invalid " + what + " " + SafeText.quote(s) + ": character "
                            + SafeText.quote(String.valueOf(c)) + " is not allowed (letters, digits, '-', '_', '.')");
                }
                continue;
            }
            checkLabel(what, s, s.substring(start, i));
            start = i + 1;
        }
    }

    private static void checkLabel(String what, String s, String label) throws IpamException {
        if (label.isEmpty()) {
            throw new IpamException("invalid " + what + " " + SafeText.quote(s) + ": empty label (DNS names have no \"..\" "
                    + "and no leading or trailing dot)");
        }
        if (label.length() > MAX_LABEL) {
            throw new IpamException("invalid " + what + " " + SafeText.quote(s) + ": label of " + label.length()
                    + " characters (DNS labels are at most " + MAX_LABEL + ")");
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            throw new IpamException("invalid " + what + " " + SafeText.quote(s) + ": a label may not start or end with '-'");
        }
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
