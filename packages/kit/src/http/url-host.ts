/** `address` as the host part of a URL: an IPv6 address in brackets (RFC 3986), a name or IPv4 as is. */
export function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
