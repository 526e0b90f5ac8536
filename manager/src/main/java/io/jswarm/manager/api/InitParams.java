package io.jswarm.manager.api;

import io.jswarm.vxlan.IpPrefix;
import java.time.Duration;
import java.util.List;

/**
 * What {@code jswarm init} decides about the new cluster (Docker's flags and defaults).
 *
 * @param hostname        the first manager's hostname
 * @param advertiseAddr   the first manager's address (IP), as other nodes reach it
 * @param managerAddr     advertiseAddr:listen-port, what join commands name
 * @param dataPathAddr    the VTEP address (default: advertiseAddr)
 * @param dataPathPort    VXLAN UDP port (default 4789)
 * @param addrPools       default address pools (default 10.0.0.0/8)
 * @param maskLength      subnet size carved from the pools (default 24)
 * @param certExpiry      node certificate validity (default 2160 h), at least {@code minCertExpiry}
 * @param minCertExpiry   the floor for {@code certExpiry}: Docker's 1 h ({@link #MIN_CERT_EXPIRY}) unless the
 *                        daemon was started with {@code JSWARM_UNSAFE_MIN_CERT_EXPIRY} (tests only); never
 *                        above 1 h
 */
public record InitParams(String hostname, String advertiseAddr, String managerAddr, String dataPathAddr,
                         int dataPathPort, List<String> addrPools, int maskLength, Duration certExpiry,
                         String engineVersion, Duration minCertExpiry) {
    /** Docker's minimum {@code --cert-expiry}. */
    public static final Duration MIN_CERT_EXPIRY = Duration.ofHours(1);
    public static final int DEFAULT_DATA_PATH_PORT = 4789;
    public static final List<String> DEFAULT_ADDR_POOLS = List.of("10.0.0.0/8");
    public static final int DEFAULT_MASK_LENGTH = 24;

    public InitParams {
        addrPools = addrPools.isEmpty() ? DEFAULT_ADDR_POOLS : List.copyOf(addrPools);
        for (String p : addrPools) {
            if (IpPrefix.parseSubnet(p).length() > maskLength) {
                throw new IllegalArgumentException("invalid default address pool " + p
                        + ": its prefix is longer than the mask length " + maskLength);
            }
        }
        if (dataPathPort == 0) {
            dataPathPort = DEFAULT_DATA_PATH_PORT;
        }
        if (dataPathPort < 1024 || dataPathPort > 49151) {
            throw new IllegalArgumentException("data path port " + dataPathPort + " must be within 1024-49151");
        }
        if (maskLength < 1 || maskLength > 29) {
            throw new IllegalArgumentException("default address pool mask length " + maskLength + " must be within 1-29");
        }
        if (minCertExpiry.isNegative() || minCertExpiry.isZero() || minCertExpiry.compareTo(MIN_CERT_EXPIRY) > 0) {
            throw new IllegalArgumentException("minimum certificate expiry " + minCertExpiry + " must be within (0, 1h]");
        }
        if (certExpiry.compareTo(minCertExpiry) < 0) {
            throw new IllegalArgumentException("certificate expiry must be at least " + shortForm(minCertExpiry));
        }
        if (dataPathAddr == null || dataPathAddr.isEmpty()) {
            dataPathAddr = advertiseAddr;
        }
    }

    /** {@code 1h}, {@code 20s}: how the flag is written. */
    private static String shortForm(Duration d) {
        long s = d.toSeconds();
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    /** With Docker's 1 h floor for {@code certExpiry}. */
    public InitParams(String hostname, String advertiseAddr, String managerAddr, String dataPathAddr,
                      int dataPathPort, List<String> addrPools, int maskLength, Duration certExpiry,
                      String engineVersion) {
        this(hostname, advertiseAddr, managerAddr, dataPathAddr, dataPathPort, addrPools, maskLength, certExpiry,
                engineVersion, MIN_CERT_EXPIRY);
    }
}
