// Several passes of the refresher in one process, as the long-running refresher makes them:
// every recorded volume (KV_STATE_DIR) refreshed `passes` times. Prints one JSON line, each
// pass's results, and stays alive a while after it, so that a test can count the connections
// the process still holds open at the stand-in.
//   node --import tsx test/support/passProbe.ts <passes>
async function probe(passes: number): Promise<string[][]> {
  const { runPass } = await import("../../src/refresher/pass");
  const { readRecords } = await import("../../src/state/volumeRecords");
  const results: string[][] = [];
  for (let i = 0; i < passes; i++) {
    const report = await runPass(readRecords(), new AbortController().signal);
    results.push(report.results.map((result) => result.result));
  }
  return results;
}

if (require.main === module) {
  probe(Number(process.argv[2])).then(
    (results) => {
      process.stdout.write(JSON.stringify(results) + "\n");
      setTimeout(() => process.exit(0), 20_000);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
