// Renders a CheckReport for people (text) or programs (--json). Shows names, files, causes and
// fixes, never a secret: a volume's identity is described by its client id only.
import type { Identity } from "../model/identity";
import { objectLabel, type ObjectSpec } from "../model/objectSpec";
import type { VolumeOptions } from "../model/volumeOptions";
import { reportIsOk, type CheckReport, type ObjectResult, type VolumeCheck } from "./checkResult";
import { intervalText, rotationRisk } from "./rotationRisk";

const octal = (mode: number) => `0${mode.toString(8).padStart(3, "0")}`;

function workloadTitle({ volume }: VolumeCheck): string {
  const { kind, name, namespace } = volume.workload;
  return `${kind} ${namespace ? `${namespace}/` : ""}${name}, volume ${JSON.stringify(volume.volumeName)}`;
}

function identityText(identity: Identity, check: VolumeCheck): string {
  switch (identity.kind) {
    case "servicePrincipal":
      if (check.secretRef.kind === "placeholder")
        return `service principal from Secret ${JSON.stringify(check.secretRef.name)} (not at hand)`;
      if (check.secretRef.kind !== "secret") return `service principal ${identity.clientId}`;
      return `service principal ${identity.clientId} (Secret ${JSON.stringify(check.secretRef.secret.name)})`;
    case "podIdentity":
      return `pod identity (NMI port ${identity.nmiPort})`;
    case "managedIdentity":
      return identity.clientId
        ? `user-assigned managed identity ${identity.clientId}`
        : "the node's system-assigned managed identity";
    case "workloadIdentity": {
      const { workloadIdentity: found } = check;
      const ids = [found?.clientId && `client ${found.clientId}`, found?.tenantId && `tenant ${found.tenantId}`]
        .filter(Boolean)
        .join(", ");
      return (
        `workload identity of service ` +
        `account ${found?.serviceAccount ?? identity.pod.serviceAccount}${ids ? ` (${ids})` : ""}`
      );
    }
  }
}

function objectText(spec: ObjectSpec): string {
  const output = [
    spec.format === "default" ? "" : spec.format,
    spec.encoding === "utf-8" ? "" : `${spec.encoding}-encoded`,
  ].filter(Boolean);
  return `${objectLabel(spec)}${output.length ? ` (${output.join(", ")})` : ""}`;
}

function resultText(result: ObjectResult | undefined): string {
  if (!result) return "";
  return result.ok
    ? `ok (${result.bytes} byte${result.bytes === 1 ? "" : "s"})`
    : `${result.failure.cause}: ${result.failure.detail}`;
}

function notes({ secretRef, options, workloadIdentity }: VolumeCheck): string[] {
  const found: string[] = [];
  if (secretRef.kind === "placeholder") {
    found.push(
      `secretRef Secret ${JSON.stringify(secretRef.name)} is not in the manifest: its clientid and clientsecret ` +
        `were not checked (pass --secret-file)`,
    );
  }
  const risk = options && rotationRisk(options);
  if (risk) found.push(risk);
  if (workloadIdentity?.fromCluster) {
    const missing = [workloadIdentity.clientId ? [] : ["client id"], workloadIdentity.tenantId ? [] : ["tenant"]];
    found.push(
      `service account ${workloadIdentity.serviceAccount} is not in the ` +
        `manifest: the ${missing.flat().join(" and ")} ${missing.flat().length > 1 ? "come" : "comes"} from its ` +
        `annotations at mount time, unchecked here ` +
        "(add the ServiceAccount to the manifest, or give clientid and tenantid as options)",
    );
  }
  return found;
}

function validVolumeLines(check: VolumeCheck, options: VolumeOptions): string[] {
  const group = options.fsGroup === undefined ? "" : `, group ${options.fsGroup}`;
  const rotation =
    options.rotationIntervalSeconds === undefined
      ? ""
      : `, refreshed every ${intervalText(options.rotationIntervalSeconds)}`;
  const lines = [
    `  vault ${options.vaultName} (${options.cloudName}), ${identityText(options.identity, check)}, files ` +
      `mode ${octal(options.fileMode)}${group}${rotation}`,
  ];
  const { fetch } = check;
  if (fetch?.status === "skipped") lines.push(`  not fetched: ${fetch.reason}`);
  if (fetch?.status === "failed") lines.push(`  fetch FAILED: ${fetch.reason}`);
  if (fetch?.status === "fetched") lines.push(`  fetched as ${fetch.principal}:`);
  const results = fetch?.status === "fetched" ? fetch.objects : [];
  const rows = options.objects.map((spec, index) => [
    objectText(spec),
    `-> ${spec.fileName}`,
    resultText(results[index]),
  ]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) lines.push(`  ${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`.trimEnd());
  return lines;
}

function summary(report: CheckReport): string {
  const valid = report.volumes.filter((check) => check.problems.length === 0).length;
  const parts = [
    `${report.volumes.length} azure/kv volume(s): ${valid} valid, ${report.volumes.length - valid} invalid`,
  ];
  if (report.fetched) {
    const results = report.volumes.flatMap((check) => (check.fetch?.status === "fetched" ? check.fetch.objects : []));
    const unfetched = report.volumes.filter((check) => check.fetch && check.fetch.status !== "fetched").length;
    // Nothing reached: say so, not "0 of 0"; each volume's line says why.
    if (results.length === 0 && unfetched > 0)
      parts.push(`nothing fetched: ${unfetched} volume(s) not fetched, each saying why above`);
    else
      parts.push(
        `${results.filter((result) => result.ok).length} of ${results.length} object(s) ` +
          `fetched${unfetched ? `, ${unfetched} volume(s) ` + `not fetched` : ""}`,
      );
  }
  return `${parts.join("; ")}. ${reportIsOk(report) ? "All is well." : "Problems found."}`;
}

export function renderText(report: CheckReport): string {
  const lines = report.problems.map((problem) => `manifest problem: ${problem}`);
  if (report.volumes.length === 0)
    lines.push(`no flexVolume with driver azure/kv in ${report.source === "-" ? "standard input" : report.source}`);
  for (const check of report.volumes) {
    lines.push(`${workloadTitle(check)}: ${check.problems.length > 0 ? "INVALID" : "valid"}`);
    lines.push(...check.problems.map((problem) => `  ${problem}`));
    if (check.problems.length === 0 && check.options) lines.push(...validVolumeLines(check, check.options));
    lines.push(...check.warnings.map((warning) => `  warning: ${warning}`));
    lines.push(...notes(check).map((note) => `  note: ${note}`));
  }
  lines.push("", summary(report));
  return lines.join("\n") + "\n";
}

function objectJson(spec: ObjectSpec, result: ObjectResult | undefined) {
  return {
    object: objectLabel(spec),
    type: spec.type,
    name: spec.name,
    ...(spec.version ? { version: spec.version } : {}),
    file: spec.fileName,
    format: spec.format,
    encoding: spec.encoding,
    ...(result
      ? result.ok
        ? { status: "ok", bytes: result.bytes }
        : { status: result.failure.cause, detail: result.failure.detail }
      : {}),
  };
}

function volumeJson(check: VolumeCheck) {
  const { options, fetch } = check;
  const results = fetch?.status === "fetched" ? fetch.objects : [];
  return {
    workload: check.volume.workload,
    volume: check.volume.volumeName,
    valid: check.problems.length === 0,
    problems: check.problems,
    warnings: check.warnings,
    notes: notes(check),
    ...(options
      ? {
          vault: options.vaultName,
          cloud: options.cloudName,
          identity: identityText(options.identity, check),
          fileMode: octal(options.fileMode),
          ...(options.fsGroup === undefined ? {} : { fsGroup: options.fsGroup }),
          ...(options.rotationIntervalSeconds === undefined
            ? {}
            : { rotationPollIntervalSeconds: options.rotationIntervalSeconds }),
          objects: options.objects.map((spec, index) => objectJson(spec, results[index])),
        }
      : {}),
    ...(fetch
      ? { fetch: fetch.status === "fetched" ? { status: fetch.status, principal: fetch.principal } : fetch }
      : {}),
  };
}

export function renderJson(report: CheckReport): string {
  return (
    JSON.stringify(
      {
        ok: reportIsOk(report),
        source: report.source,
        problems: report.problems,
        volumes: report.volumes.map(volumeJson),
      },
      null,
      2,
    ) + "\n"
  );
}
