// The Azure SDK logs to stderr when AZURE_LOG_LEVEL is set on the node; that would
// corrupt the answer kubelet parses, so its lines go to the driver's log instead.
// The SDK redacts authorization headers and unknown query parameters itself.
import { AzureLogger } from "@azure/logger";
import { log } from "./log";

export function routeAzureLogs(): void {
  AzureLogger.log = (...args: unknown[]) => log.debug("azure-sdk", { text: args.map(String).join(" ") });
}
