import { findMount, mountsAt, parseMountInfo } from "../../src/volume/mountInfo";

const MOUNTINFO = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "36 22 0:32 / /var/lib/kubelet/pods/p1/volumes/azure~kv/with\\040space rw,relatime shared:9 - tmpfs tmpfs " +
    "rw,size=1028k,mode=755",
  "37 36 0:33 / /mnt/stacked rw - tmpfs tmpfs rw,size=4k",
  "38 36 0:34 / /mnt/stacked ro master:2 - tmpfs tmpfs ro,size=8k,mode=755",
  "",
].join("\n");

describe("parseMountInfo", () => {
  const entries = parseMountInfo(MOUNTINFO);

  it("reads id, mount point, fstype, source, both option sets and whether it is shared", () => {
    expect(entries).toHaveLength(4);
    expect(entries[0]).toEqual({
      mountId: 22,
      mountPoint: "/",
      fsType: "ext4",
      source: "/dev/vda",
      options: ["rw", "relatime", "rw"],
      shared: true,
    });
    expect(entries[1].options).toEqual(expect.arrayContaining(["size=1028k", "mode=755"]));
  });

  it("takes a mount with no peer group (private, or only a slave) as not shared", () => {
    expect(entries.map((entry) => entry.shared)).toEqual([true, true, false, false]);
  });

  it("unescapes octal escapes in mount points", () => {
    expect(entries[1].mountPoint).toBe("/var/lib/kubelet/pods/p1/volumes/azure~kv/with space");
  });

  it("finds the topmost of stacked mounts, every layer, and nothing for a plain directory", () => {
    expect(findMount(entries, "/mnt/stacked")?.options).toContain("size=8k");
    expect(mountsAt(entries, "/mnt/stacked").map((entry) => entry.mountId)).toEqual([37, 38]);
    expect(findMount(entries, "/mnt")).toBeUndefined();
  });
});
