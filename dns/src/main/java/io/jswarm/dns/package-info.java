/**
 * The embedded DNS resolver served to each sandbox at 127.0.0.11:53 (UDP and TCP): endpoint names and
 * aliases of the sandbox's networks, also qualified by the network's name, resolve locally (A, PTR); other
 * names are forwarded asynchronously to the host's resolvers. {@link io.jswarm.dns.SandboxDns} runs one per
 * sandbox, all on one shared event-loop thread.
 */
package io.jswarm.dns;
