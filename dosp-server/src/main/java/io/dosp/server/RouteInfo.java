package io.dosp.server;

/**
 * One route of the federation routing table.
 *
 * @param template the remote vIP template
 * @param hops     links to its owner (1 = a direct peer)
 * @param via      the peer ({@code ip:port}) traffic goes through
 * @param owner    the owning server as advertised ({@code host:port})
 * @param isStatic configured (a reference peer's template), not learned
 */
public record RouteInfo(String template, int hops, String via, String owner, boolean isStatic) {
}
