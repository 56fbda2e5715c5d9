import ipaddr from 'ipaddr.js';

/**
 * The key a client address is limited by. One IPv6 subscriber usually holds
 * a whole /64 (and can pick any address in it), so IPv6 addresses count by
 * their /64; IPv4 (also when written IPv4-mapped, `::ffff:1.2.3.4`) by the
 * address. Anything unparsable (no address at all) is one bucket.
 */
export function addressKey(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return 'unknown';
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}
