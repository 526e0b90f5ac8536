package io.jswarm.vxlan.kernel;

import java.util.regex.Pattern;

/**
 * The interface-name pattern of {@link LinkSpec#checkName}, compiled once: the check runs for every neighbour
 * and FDB entry programmed, and {@code String.matches} compiled the pattern on each call (the scale bench's
 * allocation profile). An interface cannot hold a private constant, hence this holder.
 */
final class InterfaceNames {
    static final Pattern PATTERN = Pattern.compile("[^/:\\s]+");

    private InterfaceNames() {
    }
}
