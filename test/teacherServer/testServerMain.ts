/**
 * CLI entry of the test teacher server (for Playwright's webServer and manual checks):
 *
 *   npx tsx test/teacherServer/testServerMain.ts [port] [--mode ok] [--catchphrase "X"] [--no-cors]
 *
 * Prints the base URL ("http://127.0.0.1:PORT/v1") once listening; stops on SIGINT/SIGTERM.
 */
import { parseTestServerArgs, startTestTeacherServer } from './testServer';

async function main(): Promise<void> {
  const server = await startTestTeacherServer(parseTestServerArgs(process.argv.slice(2)));
  console.log(`Test teacher server listening at ${server.url}`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
