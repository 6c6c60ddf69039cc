// Opens pages pglens generates from the fixtures in Debian's chromium (headless, through
// playwright-core; no browser is downloaded) and checks what a reader sees: the bottleneck
// highlighted and focused, every finding and DDL there, the copy button copying, the diff
// marking changed nodes, the keyboard moving through the tree, no script run from a plan's
// names, and not one request leaving the page. Screenshots go to OUT_DIR as artifacts.
// Time to first render of a 10,000-node plan (and a 1,000-deep one) is printed (bench/README.md), never asserted.
//
//   node run.mjs PGLENS_BINARY SOURCE_DIR OUT_DIR
//
// Exit 77 (skipped) when chromium or playwright-core is missing, unless
// PGLENS_REQUIRE_BROWSER=1 (CI): then that is a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pglens, sourceDir, outDir] = process.argv.slice(2).map((p) => resolve(p));
const required = process.env.PGLENS_REQUIRE_BROWSER === '1';
const chromiumPath = process.env.PGLENS_CHROMIUM || '/usr/bin/chromium';

function skip(why) {
  if (required) {
    console.error(`FAIL: ${why} (PGLENS_REQUIRE_BROWSER=1)`);
    process.exit(1);
  }
  console.log(`SKIP: ${why}; set PGLENS_REQUIRE_BROWSER=1 to make this a failure`);
  process.exit(77);
}

if (!existsSync(chromiumPath)) skip(`no chromium at ${chromiumPath} (apt-get install chromium, or scripts/install-deps)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  skip('playwright-core is not installed (cd tests/browser && npm ci, or scripts/install-deps)');
}

mkdirSync(outDir, { recursive: true });
const testdata = join(sourceDir, 'testdata');
let failures = 0;
function check(ok, what) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    console.log(`FAIL ${what}`);
    failures++;
  }
}

function run(args, opts = {}) {
  return execFileSync(pglens, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
}

// The pages, written by pglens itself.
const pages = {
  findings: join(outDir, 'findings.html'),
  hostile: join(outDir, 'hostile.html'),
  trigger: join(outDir, 'trigger.html'),
  diff: join(outDir, 'diff.html'),
  deep: join(outDir, 'deep-1000.html'),
  wide: join(outDir, 'wide-10000.html'),
};
const nestedLoop = join(testdata, 'plan-rules/nested-loop-inner-scan/seq-inner.txt');
const explainDir = join(testdata, 'explain');
run(['explain', '--format', 'html', '-o', pages.findings, '--sql', 'catalog/query.sql', nestedLoop], { cwd: explainDir });
const findingsJson = JSON.parse(
  run(['explain', '--format', 'json', '--sql', 'catalog/query.sql', nestedLoop], { cwd: explainDir }),
).plans[0];
run(['explain', '--format', 'html', '-o', pages.hostile, '--sql', 'hostile-names.sql', 'hostile-names.txt'], {
  cwd: join(testdata, 'html'),
});
run(['explain', '--format', 'html', '-o', pages.trigger, join(testdata, 'plan-rules/trigger-time/fk-delete-unindexed.txt')]);
try {
  run(['diff', '--format', 'html', '-o', pages.diff, 'customer-orders.before.txt', 'customer-orders.after.txt'], {
    cwd: join(testdata, 'diff'),
  });
} catch (e) {
  if (e.status !== 0 && e.status !== 1) throw e;
}
// The widest plan pglens reads whole, and the deepest it reads (1,000 levels).
const sizes = { wide: 10000, deep: 1000 };
for (const shape of ['deep', 'wide']) {
  const plan = join(outDir, `${shape}-${sizes[shape]}.json`);
  execFileSync('python3', [join(sourceDir, 'bench/gen_scale_plans.py'), shape, String(sizes[shape]), plan]);
  run(['explain', '--format', 'html', '-o', pages[shape], plan]);
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

// A page in its own context: every request but the page's own file is recorded and refused;
// a dialog (alert) or a console error (a CSP violation among them) is recorded.
async function open(file, { width = 1400, height = 1000, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const url = pathToFileURL(file).href;
  const seen = { requests: [], dialogs: [], errors: [] };
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    seen.requests.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(m.text());
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  await page.waitForSelector('html[data-rendered]', { timeout: 120000 });
  const loadMs = Date.now() - started;
  return { context, page, seen, loadMs };
}

function checkQuiet(name, seen) {
  check(seen.requests.length === 0, `${name}: no request leaves the page (${seen.requests.join(', ') || 'none'})`);
  check(seen.dialogs.length === 0, `${name}: no dialog opened`);
  check(seen.errors.length === 0, `${name}: no console error (${seen.errors.join(' | ') || 'none'})`);
}

// The plan with findings.
{
  const { context, page, seen } = await open(pages.findings);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const hot = await page.$$eval('.node.bottleneck', (els) => els.map((e) => e.id));
  check(hot.length === 1 && hot[0] === `p1-n${findingsJson.bottleneck.node}`, `findings: the bottleneck node is highlighted (${hot})`);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.parentElement.id);
  check(focused === hot[0], `findings: the bottleneck row has the focus (${focused})`);
  const hotColour = await page.$eval('.node.bottleneck > summary', (e) => getComputedStyle(e).backgroundColor);
  const plainColour = await page.$eval('.node:not(.bottleneck) > summary', (e) => getComputedStyle(e).backgroundColor);
  check(hotColour !== plainColour, `findings: the bottleneck row is coloured (${hotColour} vs ${plainColour})`);
  const items = await page.$$eval('ol.findings > li', (els) => els.map((e) => e.textContent));
  check(items.length === findingsJson.findings.length, `findings: ${items.length} findings shown of ${findingsJson.findings.length}`);
  for (const f of findingsJson.findings) {
    check(items.some((t) => t.includes(f.message)), `findings: ${f.rule} message shown`);
    const codes = await page.$$eval('.copyable code', (els) => els.map((e) => e.textContent));
    check(codes.includes(f.ddl), `findings: ${f.rule} DDL shown`);
  }
  for (const ix of findingsJson.indexes) {
    const codes = await page.$$eval('.copyable code', (els) => els.map((e) => e.textContent));
    check(codes.includes(ix.ddl), `findings: index ${ix.summary} shown`);
  }
  await page.screenshot({ path: join(outDir, 'findings.png'), fullPage: true });
  // Copy: the button puts the DDL on the clipboard.
  await page.click('ol.findings > li:first-child button.copy');
  await page.waitForSelector('ol.findings > li:first-child button.copy[data-copied]');
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  check(clip === findingsJson.findings[0].ddl, `findings: Copy puts the DDL on the clipboard (${clip})`);
  // Keyboard: down to the next row, Enter opens its details, f shows the flame graph.
  await page.focus('.node.bottleneck > summary');
  await page.keyboard.press('ArrowDown');
  const next = await page.evaluate(() => document.activeElement.parentElement.id);
  check(next === 'p1-n2', `findings: ArrowDown moves to the next node (${next})`);
  await page.keyboard.press('Enter');
  check(await page.$eval('#p1-n2', (e) => e.open), 'findings: Enter opens the node details');
  check(await page.isVisible('#p1-n2 pre.raw'), 'findings: the node details show its input lines');
  await page.keyboard.press('f');
  check(await page.isVisible('.flame') && !(await page.isVisible('.tree')), 'findings: f shows the flame graph');
  await page.screenshot({ path: join(outDir, 'findings-flame.png'), fullPage: true });
  await page.click('g.f[data-node="p1-n3"]');
  const afterFrame = await page.evaluate(() => document.activeElement.parentElement.id);
  check(await page.isVisible('.tree') && afterFrame === 'p1-n3', `findings: a frame selects its node in the tree (${afterFrame})`);
  checkQuiet('findings', seen);
  await context.close();
  // Dark theme and print: the page stays readable.
  const dark = await open(pages.findings, { colorScheme: 'dark' });
  const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg === 'rgb(21, 23, 26)', `findings: dark theme follows prefers-color-scheme (${bg})`);
  await dark.page.screenshot({ path: join(outDir, 'findings-dark.png'), fullPage: true });
  await dark.page.emulateMedia({ media: 'print', colorScheme: 'light' });
  check(!(await dark.page.isVisible('.toolbar')), 'findings: print hides the buttons');
  await dark.page.pdf({ path: join(outDir, 'findings.pdf') });
  await dark.context.close();
}

// Names made of markup run nothing.
{
  const { context, page, seen } = await open(pages.hostile);
  const label = await page.$eval('.node .label', (e) => e.textContent);
  check(label.includes(`"</script><script>alert('x')</script>"`), `hostile: the table name shows as text (${label})`);
  check((await page.$$('img')).length === 0, 'hostile: no <img> from a column name');
  check((await page.$$('script')).length === 1, 'hostile: one script, the page\'s own');
  await page.screenshot({ path: join(outDir, 'hostile.png'), fullPage: true });
  checkQuiet('hostile', seen);
  await context.close();
}

// Time outside the tree as the bottleneck.
{
  const { context, page, seen } = await open(pages.trigger);
  check(await page.isVisible('tr.bottleneck'), 'trigger: the trigger row is the highlighted bottleneck');
  await page.screenshot({ path: join(outDir, 'trigger.png'), fullPage: true });
  checkQuiet('trigger', seen);
  await context.close();
}

// The diff marks the changed nodes.
{
  const { context, page, seen } = await open(pages.diff);
  const changed = await page.$$eval('#a .node.changed', (els) => els.map((e) => e.id));
  const added = await page.$$eval('#a .node.added', (els) => els.map((e) => e.id));
  check(changed.length === 1 && changed[0] === 'a-n3', `diff: the changed node is marked (${changed})`);
  check(added.length === 1 && added[0] === 'a-n4', `diff: the added node is marked (${added})`);
  const shape = await page.$eval('ul.shape', (e) => e.textContent);
  check(shape.includes('Seq Scan on orders o') && shape.includes('Bitmap Heap Scan on orders o'), 'diff: the shape change is listed');
  check((await page.$eval('ul.gone', (e) => e.textContent)).includes('seq-scan-large'), 'diff: the finding gone is listed');
  const top = await page.evaluate(() => window.scrollY);
  check(top === 0, `diff: the page opens at its summary (scrollY ${top})`);
  await page.screenshot({ path: join(outDir, 'diff.png'), fullPage: true });
  checkQuiet('diff', seen);
  await context.close();
}

// pglens serve: the form, a pasted plan, the plan page; an oversized paste is refused.
{
  const { spawn } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const server = spawn(pglens, ['serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((ok, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+\//);
      if (m) ok(m[0]);
    });
    server.on('exit', () => fail(new Error(`pglens serve exited: ${out}`)));
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const outside = [];
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(url)) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    await page.fill('#plan', readFileSync(nestedLoop, 'utf8'));
    await page.fill('#sql', readFileSync(join(explainDir, 'catalog/query.sql'), 'utf8'));
    await page.screenshot({ path: join(outDir, 'serve-form.png') });
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    await page.waitForSelector('html[data-rendered]');
    check((await page.$$('.node.bottleneck')).length === 1, 'serve: the pasted plan is drawn with its bottleneck');
    check((await page.$$('ol.findings > li')).length === findingsJson.findings.length, 'serve: every finding shown');
    await page.screenshot({ path: join(outDir, 'serve-plan.png'), fullPage: true });
    const big = await page.request.post(`${url}explain`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      data: 'plan=' + 'x'.repeat(17 * 1024 * 1024),
      failOnStatusCode: false,
    }).catch((e) => ({ status: () => `error ${e.message.split('\n')[0]}` }));
    check(big.status() === 413 || String(big.status()).startsWith('error'), `serve: a 17 MiB paste is refused (${big.status()})`);
    const wrong = await page.request.get(url.replace(/[0-9a-f]{48}/, '0'.repeat(48)), { failOnStatusCode: false });
    check(wrong.status() === 404, `serve: a wrong token is 404 (${wrong.status()})`);
    check(outside.length === 0, `serve: no request leaves the server (${outside.join(', ') || 'none'})`);
    check(errors.length === 0, `serve: no console error (${errors.join(' | ') || 'none'})`);
    await context.close();
  } finally {
    server.kill('SIGINT');
  }
}

// 10,000 nodes (and 1,000 levels): time to first render, recorded, not asserted.
const timings = [];
for (const shape of ['wide', 'deep']) {
  const name = `${shape}-${sizes[shape]}`;
  const { context, page, seen, loadMs } = await open(pages[shape]);
  const nodes = await page.$$eval('.node', (els) => els.length);
  check(nodes === sizes[shape], `${name}: all ${nodes} nodes in the tree`);
  const rendered = Number(await page.getAttribute('html', 'data-rendered'));
  const scrollStart = Date.now();
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 2000);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  const scrollMs = Date.now() - scrollStart;
  timings.push({ plan: name, nodes, rendered_ms: rendered, load_ms: loadMs, scroll_20_wheels_ms: scrollMs });
  await page.screenshot({ path: join(outDir, `${name}.png`) });
  checkQuiet(name, seen);
  await context.close();
}
await browser.close();
writeFileSync(join(outDir, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
for (const t of timings)
  console.log(`time  ${t.plan}: script ran at ${t.rendered_ms} ms, load ${t.load_ms} ms, 20 wheel scrolls ${t.scroll_20_wheels_ms} ms`);
console.log(`artifacts: ${outDir}`);
if (failures) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
