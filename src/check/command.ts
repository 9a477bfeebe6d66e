// `kv check <manifest.yaml | -> [--json] [--fetch] [credentials]`: an operator's command, not a
// kubelet call. Prints a report on stdout; exit 0 when all is well, 1 when not, 2 for usage errors.
// The Azure SDK is loaded only with --fetch.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { messageOf } from "../log";
import { clientIdProblem } from "../options/names";
import { reportIsOk } from "./checkResult";
import type { CheckCredentials } from "./fetchIdentity";
import { renderJson, renderText } from "./report";
import { validateManifest, type ManifestText } from "./validate";

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

interface CheckFlags {
  json?: boolean;
  fetch?: boolean;
  clientId?: string;
  clientSecret?: string;
  secretFile?: string;
  useManagedIdentity?: boolean;
  managedIdentityClientId?: string;
}

class UsageError extends Error {}

const HELP_AFTER = `
Reads Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs
and CronJobs (several YAML documents, List kinds too), finds every flexVolume with driver
azure/kv, and validates its options exactly as the driver would at mount time. Secrets in
the manifest (or in --secret-file) that a volume's secretRef names are used as kubelet
would use them.

With --fetch, every object of every valid volume is fetched from Key Vault (nothing is
written) as the volume's own identity, or as the one given here: --client-id with
--client-secret, or --use-managed-identity (on an Azure VM). Pod identity (NMI) tokens
cannot be had from outside the cluster: pass the bound identity's credentials instead.

Exit status: 0 all is well, 1 problems found, 2 usage error.

Examples:
  kv check deploy.yaml
  kubectl get deploy web -o yaml | kv check - --json
  kv check deploy.yaml --fetch --secret-file kv-creds.yaml`;

function checkedClientId(flag: string, value: string | undefined): string | undefined {
  const problem = value === undefined ? undefined : clientIdProblem(value);
  if (problem) throw new UsageError(`${flag} ${problem}`);
  return value;
}

/** The command line's credentials, if any: at most one source, and only where they make sense. */
function credentialsOf(flags: CheckFlags): CheckCredentials | undefined {
  const servicePrincipal = flags.clientId !== undefined || flags.clientSecret !== undefined;
  if (
    [servicePrincipal, flags.secretFile !== undefined, flags.useManagedIdentity === true].filter(Boolean).length > 1
  ) {
    throw new UsageError(
      "give one source of credentials: --client-id with --client-secret, --secret-file, or --use-managed-identity",
    );
  }
  if (flags.managedIdentityClientId !== undefined && !flags.useManagedIdentity)
    throw new UsageError("--managed-identity-client-id needs --use-managed-identity");
  if (servicePrincipal && (!flags.clientId || !flags.clientSecret))
    throw new UsageError("--client-id and --client-secret go together, neither empty");
  const credentials: CheckCredentials | undefined = servicePrincipal
    ? {
        kind: "servicePrincipal",
        clientId: checkedClientId("--client-id", flags.clientId) ?? "",
        clientSecret: flags.clientSecret ?? "",
      }
    : flags.useManagedIdentity
      ? {
          kind: "managedIdentity",
          ...(flags.managedIdentityClientId
            ? { clientId: checkedClientId("--managed-identity-client-id", flags.managedIdentityClientId) }
            : {}),
        }
      : undefined;
  if (credentials && !flags.fetch) throw new UsageError("credentials are only used to fetch: add --fetch");
  return credentials;
}

function readText(source: string): ManifestText {
  try {
    return { source, text: readFileSync(source === "-" ? 0 : source, "utf8") };
  } catch (error) {
    throw new UsageError(
      `cannot read ${source === "-" ? "standard input" : source}` +
        `: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`,
    );
  }
}

async function check(manifestPath: string, flags: CheckFlags): Promise<number> {
  const credentials = credentialsOf(flags);
  let report = validateManifest(
    readText(manifestPath),
    flags.secretFile === undefined ? undefined : readText(flags.secretFile),
  );
  if (flags.fetch) {
    const { fetchVolumes } = await import("./fetchCheck");
    report = { ...report, volumes: await fetchVolumes(report.volumes, credentials), fetched: true };
  }
  process.stdout.write(flags.json ? renderJson(report) : renderText(report));
  return reportIsOk(report) ? EXIT.ok : EXIT.problems;
}

function checkProgram(run: (manifest: string, flags: CheckFlags) => Promise<void>): Command {
  return new Command("kv check")
    .description("check the azure/kv flexVolumes of Kubernetes manifests, and optionally fetch their objects")
    .argument("<manifest>", "manifest file (YAML or JSON), or - for standard input")
    .option("--json", "print the report as JSON")
    .option("--fetch", "fetch every object from Key Vault (writes nothing)")
    .option("--client-id <id>", "fetch as this service principal (application id)")
    .option(
      "--client-secret <secret>",
      "the service principal's secret (prefer --secret-file: command lines are visible to others)",
    )
    .option(
      "--secret-file <file>",
      "a Secret manifest (type azure/kv, keys clientid and clientsecret) that a volume's secretRef names",
    )
    .option("--use-managed-identity", "fetch as this machine's managed identity")
    .option("--managed-identity-client-id <id>", "a user-assigned identity's client id (with --use-managed-identity)")
    .addHelpText("after", HELP_AFTER)
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .action(run);
}

/** Runs `kv check` with the arguments after `check`; returns the exit status. */
export async function runCheck(argv: string[]): Promise<number> {
  let status: number = EXIT.usage;
  try {
    await checkProgram(async (manifest, flags) => {
      status = await check(manifest, flags);
    }).parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) return error.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      process.stderr.write(`kv check: ${error.message} (see kv check --help)\n`);
      return EXIT.usage;
    }
    process.stderr.write(`kv check: ${messageOf(error)}\n`);
    return EXIT.problems;
  }
}
