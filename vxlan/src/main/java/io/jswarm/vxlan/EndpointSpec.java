package io.jswarm.vxlan;

import java.net.Inet4Address;

/**
 * One endpoint (a sandbox's interface) on a network on this host.
 *
 * @param id            endpoint id (1-64 chars of [a-z0-9]); the host-side veth name derives from it
 * @param networkId     the {@link NetworkSpec#id()} it joins
 * @param sandbox       the sandbox namespace that gets the interface
 * @param createSandbox whether the data plane owns the sandbox namespace (creates it, deletes it on removal);
 *                      {@code false} for a namespace handed over by a runtime ({@code /proc/PID/ns/net})
 * @param ifName        the interface name inside the sandbox ("eth0", "eth1" for a second network, ...)
 * @param address       the endpoint's address with the subnet's prefix length
 * @param mac           the interface MAC; {@code null} means Docker's {@code 02:42}+IPv4 convention
 */
public record EndpointSpec(String id, String networkId, Netns sandbox, boolean createSandbox, String ifName,
                           IpPrefix address, MacAddress mac) {
    public EndpointSpec {
        if (id == null || !id.matches("[a-z0-9]{1,64}")) {
            throw new IllegalArgumentException("endpoint id must be 1-64 characters of [a-z0-9], got '" + id + "'");
        }
        if (networkId == null || sandbox == null || ifName == null || address == null) {
            throw new IllegalArgumentException("endpoint " + id + ": network, sandbox, interface and address are required");
        }
        io.jswarm.vxlan.kernel.LinkSpec.checkName(ifName);
        if (createSandbox && !(sandbox instanceof Netns.AtPath)) {
            throw new IllegalArgumentException("endpoint " + id + ": can only create a sandbox at a path");
        }
        if (mac == null) {
            if (!(address.address() instanceof Inet4Address v4)) {
                throw new IllegalArgumentException("endpoint " + id + ": an IPv6 endpoint needs an explicit MAC");
            }
            mac = MacAddress.forIpv4(v4);
        }
    }
}
