/**
 * The embedded DNS resolver served to each sandbox (issue 4): endpoint names and aliases of the sandbox's
 * networks resolve locally (A, PTR), other names are forwarded asynchronously to the host's resolvers.
 */
package io.jswarm.gossip.dns;
