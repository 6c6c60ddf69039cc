// The first render of plan pages, for bench/README (a measure, never a test bound): each page
// opened `runs` times in Debian's chromium, headless, 1400×1000, alternating between pages;
// prints the page's size, the load time and `data-rendered` (performance.now() when the
// page's script ran: the document parsed, the windowed rows' data read, the bottleneck drawn).
// Usage: node tests/browser/first-render.mjs PAGE.html... (RUNS=3 by default)
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const files = process.argv.slice(2);
const runs = Number(process.env.RUNS || 3);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const results = Object.fromEntries(files.map((f) => [f, []]));
for (let k = 0; k < runs; k++) {
  for (const f of files) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // nothing but the page itself is loaded
    await context.route('**/*', (route) => (route.request().url() === pathToFileURL(f).href ? route.continue() : route.abort()));
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(pathToFileURL(f).href, { waitUntil: 'load', timeout: 300000 });
    await page.waitForSelector('html[data-rendered]', { timeout: 300000 });
    results[f].push({ load_ms: Date.now() - started, rendered_ms: Number(await page.getAttribute('html', 'data-rendered')) });
    await context.close();
  }
}
await browser.close();
for (const f of files) {
  const r = results[f];
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`${f}: ${(statSync(f).size / 1e6).toFixed(2)} MB; script ran at ${r.map((x) => x.rendered_ms).join(', ')} ms (median ${median(r.map((x) => x.rendered_ms))}); load ${r.map((x) => x.load_ms).join(', ')} ms`);
}
