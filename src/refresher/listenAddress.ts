// `--listen`: `:9808` (every address), `127.0.0.1:9808`, `[::1]:9808`; port 0 picks a free one.
import { isIP } from "node:net";

export interface ListenAddress {
  /** Undefined: every address (IPv6 and IPv4). */
  host?: string;
  port: number;
}

const ADDRESS = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/;

/** The address, or what is wrong with it. */
export function parseListenAddress(text: string): ListenAddress | { problem: string } {
  const match = ADDRESS.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535)
    return { problem: `--listen ${JSON.stringify(text)} is not [host]:port; give e.g. ":9808" or "127.0.0.1:9808"` };
  const host = match[1] ?? match[2];
  if (host === "") return { port };
  if (isIP(host) === 0 && host !== "localhost")
    return { problem: `--listen ${JSON.stringify(text)}: ${JSON.stringify(host)} is not an IP address` };
  return { host, port };
}
