import { BlockList, isIP } from "node:net";

/**
 * The networks YooKassa sends its notifications from, as its webhook documentation publishes
 * them (https://yookassa.ru/developers/using-api/webhooks). A list that changes: keep it in step
 * with that page when upgrading.
 */
const publishedNetworks = [
  "185.71.76.0/27",
  "185.71.77.0/27",
  "77.75.153.0/25",
  "77.75.156.11/32",
  "77.75.156.35/32",
  "77.75.154.128/25",
  "2a02:5180::/32",
];

/** Whether an address is one YooKassa sends notifications from (IPv4 also as ::ffff:a.b.c.d). */
export function yookassaSenders(): (address: string | undefined) => boolean {
  const allowed = new BlockList();
  for (const network of publishedNetworks) {
    const [address, prefix] = network.split("/") as [string, string];
    allowed.addSubnet(address, Number(prefix), address.includes(":") ? "ipv6" : "ipv4");
  }
  return (address) => {
    const plain = address?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
    const family = plain ? isIP(plain) : 0;
    return family !== 0 && allowed.check(plain as string, family === 6 ? "ipv6" : "ipv4");
  };
}
