import type { HttpBindings } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import proxyaddr from "proxy-addr";

/** Who sent a request, as far as the app can tell. */
export type ClientAddress = (c: Context) => string | undefined;

/**
 * The sender's address: the peer's, or — when the peer is one of the `trustedProxies` (addresses,
 * CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`) — the first untrusted address in
 * X-Forwarded-For, read from the right, as Express's `trust proxy` does (the proxy-addr package).
 * With no trusted proxies a forged X-Forwarded-For changes nothing.
 */
export function clientAddress(trustedProxies: readonly string[]): ClientAddress {
  const trust = proxyaddr.compile([...trustedProxies]);
  return (c) => {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    return incoming ? proxyaddr(incoming, trust) : getConnInfo(c).remote.address;
  };
}
