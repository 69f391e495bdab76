import { describe, expect, it } from 'vitest';
import { ClientAddress } from './client-address.js';

describe('ClientAddress', () => {
  const addresses = new ClientAddress(['10.0.0.0/8', '::1']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(addresses.of('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
    expect(new ClientAddress([]).of('127.0.0.1', '1.2.3.4')).toBe('127.0.0.1');
  });

  it('takes the right-most untrusted hop behind trusted proxies, never a spoofed left entry', () => {
    expect(addresses.of('10.0.0.1', '1.2.3.4')).toBe('1.2.3.4');
    expect(addresses.of('::ffff:10.0.0.1', 'spoofed, 6.6.6.6, 198.51.100.7, 10.1.1.1')).toBe('198.51.100.7');
    expect(addresses.of('::1', 'not-an-ip')).toBe('::1');
  });

  it('refuses a malformed proxy entry', () => {
    expect(() => new ClientAddress(['10.0.0.0/99'])).toThrow(/bad prefix length/);
    expect(() => new ClientAddress(['proxy.local'])).toThrow(/not an IP address/);
  });
});
