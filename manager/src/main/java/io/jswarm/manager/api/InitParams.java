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
 * @param certExpiry      node certificate validity (default 2160 h)
 */
public record InitParams(String hostname, String advertiseAddr, String managerAddr, String dataPathAddr,
                         int dataPathPort, List<String> addrPools, int maskLength, Duration certExpiry,
                         String engineVersion) {
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
        if (certExpiry.compareTo(Duration.ofHours(1)) < 0) {
            throw new IllegalArgumentException("certificate expiry must be at least 1h");
        }
        if (dataPathAddr == null || dataPathAddr.isEmpty()) {
            dataPathAddr = advertiseAddr;
        }
    }
}
