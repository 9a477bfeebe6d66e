// IP addresses and CIDR ranges as Go's net package compares them, for the NO_PROXY rules
// (proxyRules.ts): an IPv4 address and its IPv4-mapped IPv6 form are the same address, and
// an IPv4 range holds IPv4 addresses only, an IPv6 range IPv6 addresses only.
import { isIPv4, isIPv6 } from "node:net";

export interface IpAddress {
  /** "v4" also for an IPv4-mapped IPv6 address (::ffff:a.b.c.d), as Go's To4 sees it. */
  family: "v4" | "v6";
  /** 4 bytes for v4, 16 for v6. */
  bytes: Uint8Array;
}

export interface IpRange {
  network: IpAddress;
  /** Leading bits that must match, counted in the network's own family. */
  prefix: number;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(".").map(Number));
}

/** 16 bytes of a valid IPv6 text (an IPv4 tail allowed, as in ::ffff:1.2.3.4). */
function ipv6Bytes(text: string): Uint8Array {
  const groupsOf = (part: string): number[] => {
    if (!part) return [];
    return part.split(":").flatMap((group) => {
      if (!group.includes(".")) return [parseInt(group, 16)];
      const [a, b, c, d] = ipv4Bytes(group);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head, tail] = text.split("::");
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return Uint8Array.from(groups.flatMap((group) => [group >> 8, group & 0xff]));
}

const isMappedIpv4 = (bytes: Uint8Array): boolean =>
  bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;

/** A host as a URL writes it, without the brackets around an IPv6 address. */
export const unbracketed = (host: string): string => host.replace(/^\[(.*)\]$/, "$1");

/** The address `text` names (no brackets, no zone), or undefined if it is not an IP address. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: "v4", bytes: ipv4Bytes(text) };
  if (!isIPv6(text) || text.includes("%")) return undefined;
  const bytes = ipv6Bytes(text);
  return isMappedIpv4(bytes) ? { family: "v4", bytes: bytes.slice(12) } : { family: "v6", bytes };
}

/** `a.b.c.d/n` or `x:y::/n`, as Go's net.ParseCIDR reads it; undefined if `text` is not one. */
export function parseIpRange(text: string): IpRange | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const [, addressText, prefixText] = match;
  const prefix = Number(prefixText);
  const writtenAsIpv6 = addressText.includes(":");
  const network = parseIp(addressText);
  if (!network || prefix > (writtenAsIpv6 ? 128 : 32)) return undefined;
  if (network.family === "v6" || !writtenAsIpv6) return { network, prefix };
  // An IPv4-mapped range written in IPv6 (::ffff:10.0.0.0/104) is the IPv4 range 10.0.0.0/8. Under /96 Go's mask
  // cuts into the ::ffff: prefix, so the network is no longer an IPv4-mapped one: an IPv6 range.
  if (prefix >= 96) return { network, prefix: prefix - 96 };
  return { network: { family: "v6", bytes: ipv6Bytes(addressText) }, prefix };
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}

export function rangeHolds({ network, prefix }: IpRange, ip: IpAddress): boolean {
  if (network.family !== ip.family) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((network.bytes[bit >> 3] & mask) !== (ip.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

/** 127.0.0.0/8 (in either form) and ::1, as Go's IsLoopback. */
export function isLoopback(ip: IpAddress): boolean {
  return ip.family === "v4" ? ip.bytes[0] === 127 : ip.bytes.every((byte, i) => byte === (i === 15 ? 1 : 0));
}
