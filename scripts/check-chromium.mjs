// Fails early, with both ways to get a browser, when no Chromium is available for e2e tests.
import { CHROMIUM_HELP, findChromium } from './chromium.mjs';

const path = findChromium();
if (!path) {
  console.error(CHROMIUM_HELP);
  process.exit(1);
}
console.log(`e2e: using Chromium at ${path}`);
