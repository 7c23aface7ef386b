import { BlockList, isIPv4 } from 'node:net';

/**
 * Where nginx reaches the auth service from: the loopback (`npm start`) or a
 * private network (compose's backend). The port is never published to clients.
 */
const PROXIES = new BlockList();
for (const [net, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) PROXIES.addSubnet(net, bits, 'ipv4');
PROXIES.addAddress('::1', 'ipv6');
PROXIES.addSubnet('fc00::', 7, 'ipv6');

/**
 * express's `trust proxy`: exactly one hop, and only from those addresses. So
 * req.ip is the address nginx appended to X-Forwarded-For (the client's, after
 * nginx's own real-IP rules), never one a client wrote there itself; trusting
 * a second private hop would let a client on a private network name any address.
 */
export function trustNginx(address: string, hop: number): boolean {
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return hop === 0 && PROXIES.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
}
