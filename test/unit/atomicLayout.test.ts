// The layout writer on a plain directory (it works on any, the tmpfs at <dir> or one it is
// built on before a move): the layout, the swap, what a failure and a killed writer leave.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentSet, removeOtherSets, writeAtomicSet } from "../../src/rotation/atomicLayout";
import { volumeBuild } from "../../src/rotation/volumeFiles";
import { testWithGid } from "../support/idMap";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "kv-layout-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (generation: string) => [
  { fileName: "db-password", content: Buffer.from(`password ${generation}`) },
  { fileName: "tls.crt", content: Buffer.from(`certificate ${generation}`) },
];
const ownership = { mode: 0o640, gid: 2345 };
const hidden = () =>
  readdirSync(dir)
    .filter((name) => name.startsWith("."))
    .sort();

testWithGid(2345)("a rotating volume's build makes kubelet's layout, with room for two sets", () => {
  const build = volumeBuild(files("1"), ownership, { rotating: true });
  expect(build.fileSizes).toEqual([10, 13, 10, 13]);
  build.write(dir);
  const set = currentSet(dir)!;
  expect(readdirSync(dir).sort()).toEqual(["..data", set, "db-password", "tls.crt"].sort());
  expect(readlinkSync(join(dir, "db-password"))).toBe("..data/db-password");
  expect(readlinkSync(join(dir, "..data"))).toBe(set);
  expect(readFileSync(join(dir, "tls.crt"), "utf8")).toBe("certificate 1");
  const file = statSync(join(dir, "db-password"));
  expect([file.mode & 0o7777, file.gid]).toEqual([0o640, 2345]);
});

testWithGid(2345)("a plain volume's build is writeVolume's: regular files, no links, room for one set", () => {
  const build = volumeBuild(files("1"), ownership, { rotating: false });
  expect(build.fileSizes).toEqual([10, 13]);
  build.write(dir);
  expect(readdirSync(dir).sort()).toEqual(["db-password", "tls.crt"]);
  expect(lstatSync(join(dir, "db-password")).isFile()).toBe(true);
});

testWithGid(2345)(
  "a second write swaps ..data to a new set, keeps the one it replaced and removes what a killed writer left",
  () => {
    writeAtomicSet(dir, files("1"), ownership);
    const first = currentSet(dir)!;
    // What a reader resolved just before the swap: the old set, by its own path.
    const resolvedBefore = join(dir, readlinkSync(join(dir, "..data")), "db-password");
    mkdirSync(join(dir, "..2020_01_01_00_00_00.killed"));
    writeFileSync(join(dir, "..2020_01_01_00_00_00.killed", "db-password"), "half");
    symlinkSync("..2020_01_01_00_00_00.killed", join(dir, "..link_tmp.0a1b2c3d4e5f"));
    writeAtomicSet(dir, files("2"), ownership);
    const second = currentSet(dir)!;
    expect(second).not.toBe(first);
    expect(hidden()).toEqual(["..data", first, second].sort());
    expect(readFileSync(join(dir, "db-password"), "utf8")).toBe("password 2");
    expect(readFileSync(resolvedBefore, "utf8")).toBe("password 1");
    // The next write removes it: never more than two sets.
    writeAtomicSet(dir, files("3"), ownership);
    expect(hidden()).toEqual(["..data", second, currentSet(dir)!].sort());
    expect(readFileSync(join(dir, "db-password"), "utf8")).toBe("password 3");
  },
);

testWithGid(2345)(
  "a write that fails before the swap keeps the old set current and whole, and removes its partial set",
  () => {
    writeAtomicSet(dir, files("1"), ownership);
    const first = currentSet(dir)!;
    const twice = [...files("2"), { fileName: "db-password", content: Buffer.from("again") }];
    expect(() => writeAtomicSet(dir, twice, ownership)).toThrow(/EEXIST/);
    expect(currentSet(dir)).toBe(first);
    expect(hidden()).toEqual(["..data", first].sort());
    expect(readFileSync(join(dir, "db-password"), "utf8")).toBe("password 1");
  },
);

testWithGid(2345)("plain files in the way become links (a volume that had no layout yet)", () => {
  volumeBuild(files("1"), ownership, { rotating: false }).write(dir);
  writeAtomicSet(dir, files("2"), ownership);
  expect(lstatSync(join(dir, "tls.crt")).isSymbolicLink()).toBe(true);
  expect(readFileSync(join(dir, "tls.crt"), "utf8")).toBe("certificate 2");
});

testWithGid(2345)("removing the other sets never removes the one ..data names now, whatever was to be kept", () => {
  writeAtomicSet(dir, files("1"), ownership);
  const first = currentSet(dir)!;
  writeAtomicSet(dir, files("2"), ownership);
  const second = currentSet(dir)!;
  // A writer that made `first` current and then lost the race to one that made `second` current.
  removeOtherSets(dir, first);
  expect(hidden()).toEqual(["..data", first, second].sort());
  removeOtherSets(dir, "..2020_01_01_00_00_00.gone");
  expect(hidden()).toEqual(["..data", second].sort());
  expect(readFileSync(join(dir, "db-password"), "utf8")).toBe("password 2");
});
