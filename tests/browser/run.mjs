// Opens pages pglens generates from the fixtures in Debian's chromium (headless, through
// playwright-core; no browser is downloaded) and checks what a reader sees: the bottleneck
// highlighted and focused, every finding and DDL there, the copy button copying, the diff
// marking changed nodes, the keyboard moving through the tree, no script run from a plan's
// names, and not one request leaving the page. Screenshots go to OUT_DIR as artifacts.
// The 10,000-node plan's tree is windowed: the rows drawn stay bounded while it scrolls, and
// the keyboard, links, find and print reach every row. Its load and per-scroll-step times,
// against a 1,000-node plain tree in the same run, are printed and written to timings.json
// (bench/README.md), never asserted. The log and advise pages (advise on a throwaway
// PostgreSQL the test starts when its binaries are installed) are checked like the plan page.
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
  log: join(outDir, 'log.html'),
  advise: join(outDir, 'advise.html'),
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

// A log: one lookup whose 400 calls spread over four decades, and the N+1 fixture.
{
  const lines = [];
  for (let i = 0; i < 400; i++) {
    const ms = (0.05 * Math.pow(10, (4 * i) / 399)).toFixed(3);
    const t = `09:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')}.${String((i % 10) * 100).padStart(3, '0')}`;
    lines.push(`2026-03-02 ${t} UTC [5001] 65e2e0c1.2001 LOG:  duration: ${ms} ms  statement: SELECT id, total FROM invoices WHERE account_id = ${i}`);
  }
  writeFileSync(join(outDir, 'spread.log'), lines.join('\n') + '\n');
  try {
    writeFileSync(pages.log, run(['log', '--format', 'html', join(outDir, 'spread.log'), join(testdata, 'log/stderr-session-id.log')]));
  } catch (e) {
    if (e.status !== 1) throw e;
    writeFileSync(pages.log, e.stdout);
  }
}
const logJson = (() => {
  try {
    return JSON.parse(run(['log', '--format', 'json', join(outDir, 'spread.log'), join(testdata, 'log/stderr-session-id.log')]));
  } catch (e) {
    return JSON.parse(e.stdout);
  }
})();

// advise needs a server: a throwaway cluster like tests/support/pg_cluster's (initdb as the
// postgres user when run as root), stopped and removed at the end.
const pgBin = process.env.PGLENS_PG_BIN || '/usr/lib/postgresql/15/bin';
let adviseDdl = null;
if (existsSync(join(pgBin, 'initdb'))) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pglens-browser-pg-'));
  const asUser = process.getuid && process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const sh = (cmd, args) => execFileSync(asUser.length ? asUser[0] : cmd, asUser.length ? [...asUser.slice(1), cmd, ...args] : args, { encoding: 'utf8', cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  if (asUser.length) execFileSync('chown', ['postgres:', dir]);
  const port = 20000 + Math.floor(Math.random() * 30000);
  try {
    sh(join(pgBin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    sh(join(pgBin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c shared_buffers=32MB`, 'start']);
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    execFileSync(join(pgBin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, '-c',
      'CREATE EXTENSION hypopg; CREATE TABLE invoices (id bigint PRIMARY KEY, account_id int NOT NULL, total numeric NOT NULL); ' +
      'INSERT INTO invoices SELECT g, g % 3000, g % 100 FROM generate_series(1, 200000) g; ANALYZE invoices;']);
    writeFileSync(join(outDir, 'advise.sql'), 'SELECT id, total FROM invoices WHERE account_id = 42;\n-- healthy\nSELECT total FROM invoices WHERE id = 7;\n');
    try {
      writeFileSync(pages.advise, run(['advise', '--format', 'html', '--db', url, join(outDir, 'advise.sql')]));
    } catch (e) {
      if (e.status !== 1) throw e;
      writeFileSync(pages.advise, e.stdout);
    }
    const adviseJson = (() => {
      try {
        return JSON.parse(run(['advise', '--format', 'json', '--db', url, join(outDir, 'advise.sql')]));
      } catch (e) {
        return JSON.parse(e.stdout);
      }
    })();
    adviseDdl = adviseJson.chosen.map((c) => c.ddl);
  } finally {
    try { sh(join(pgBin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']); } catch { /* not started */ }
    rmSync(dir, { recursive: true, force: true });
  }
} else if (process.env.PGLENS_REQUIRE_PG === '1') {
  console.log(`FAIL advise page: no PostgreSQL at ${pgBin} (PGLENS_REQUIRE_PG=1)`);
  failures++;
} else {
  console.log(`skip advise page: no PostgreSQL at ${pgBin}`);
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
  page.setDefaultTimeout(120000);  // a loaded machine: screenshots of long pages take a while
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

// The log page: each top query's histogram, its percentiles, the loop's rewrite to copy.
{
  const { context, page, seen } = await open(pages.log);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const figures = await page.$$eval('figure.histogram', (els) => els.map((e) => e.id));
  const top = Math.min(10, logJson.queries.length);
  check(figures.length === top, `log: a histogram for each of the ${top} top queries (${figures.length})`);
  const bars = await page.$$eval('#q1-h rect.cell', (els) => els.map((e) => Number(e.getAttribute('data-calls'))));
  const calls = bars.reduce((a, b) => a + b, 0);
  check(calls === logJson.queries[0].calls, `log: the first histogram's bars hold its ${logJson.queries[0].calls} calls (${calls} in ${bars.length} bars)`);
  const box = await page.$eval('#q1-h svg', (e) => e.getBoundingClientRect().width);
  check(box > 300, `log: the histogram is drawn (${Math.round(box)} px wide)`);
  for (const p of ['p50', 'p95', 'p99']) {
    const ms = await page.$eval(`#q1-h g.pct.${p}`, (e) => Number(e.getAttribute('data-ms'))).catch(() => null);
    check(ms === logJson.queries[0][`${p}_ms`], `log: ${p} marked at ${logJson.queries[0][`${p}_ms`]} ms (${ms})`);
  }
  const xs = await page.$$eval('#q1-h g.pct line', (els) => els.map((e) => Number(e.getAttribute('x1'))));
  check(xs.every((x, i) => i === 0 || x >= xs[i - 1]), `log: p50 ≤ p95 ≤ p99 ≤ max along the axis (${xs.map(Math.round)})`);
  await page.screenshot({ path: join(outDir, 'log.png'), fullPage: true });
  await page.click('#loops button.copy');
  await page.waitForSelector('#loops button.copy[data-copied]');
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  check(clip === logJson.loops[0].rewrite, `log: Copy puts the loop's rewrite on the clipboard (${clip})`);
  await page.click('a[href="#q2"]');
  check(await page.evaluate(() => location.hash === '#q2'), 'log: the table links to each query');
  checkQuiet('log', seen);
  await context.close();
  const dark = await open(pages.log, { colorScheme: 'dark' });
  await dark.page.screenshot({ path: join(outDir, 'log-dark.png'), fullPage: true });
  await dark.page.emulateMedia({ media: 'print', colorScheme: 'light' });
  await dark.page.pdf({ path: join(outDir, 'log.pdf') });
  checkQuiet('log dark', dark.seen);
  await dark.context.close();
}

// The advise page: the table of proofs and the DDL to copy.
if (adviseDdl) {
  const { context, page, seen } = await open(pages.advise);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const kept = await page.$$eval('tr.kept', (els) => els.length);
  check(kept === adviseDdl.length && kept > 0, `advise: ${kept} kept candidate(s), ${adviseDdl.length} chosen`);
  const codes = await page.$$eval('.copyable code', (els) => els.map((e) => e.textContent));
  for (const ddl of adviseDdl) check(codes.includes(ddl), `advise: ${ddl} shown to copy`);
  await page.click('#q1 button.copy');
  await page.waitForSelector('#q1 button.copy[data-copied]');
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  check(clip === adviseDdl[0], `advise: Copy puts the DDL on the clipboard (${clip})`);
  check((await page.textContent('#q2')).includes('SELECT total FROM invoices WHERE id = 7'), 'advise: the healthy query is listed');
  await page.screenshot({ path: join(outDir, 'advise.png'), fullPage: true });
  checkQuiet('advise', seen);
  await context.close();
}

// 10,000 nodes (windowed) and 1,000 levels (plain): load and scroll times, recorded, not
// asserted; the windowed tree keeps the rows drawn bounded and every row reachable.
async function scrollSteps(page, n, step) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = await page.evaluate(async (dy) => {
      const start = performance.now();
      window.scrollBy(0, dy);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - start;
    }, step);
    times.push(t);
  }
  return times;
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const timings = [];
for (const shape of ['deep', 'wide']) {
  const name = `${shape}-${sizes[shape]}`;
  const { context, page, seen, loadMs } = await open(pages[shape]);
  const rendered = Number(await page.getAttribute('html', 'data-rendered'));
  const windowed = (await page.$$('.tree.windowed')).length === 1;
  const drawn = [];
  if (shape === 'wide') {
    check(windowed, `${name}: the tree is windowed`);
    check(Number(await page.getAttribute('.tree.windowed', 'data-nodes')) === sizes[shape], `${name}: all ${sizes[shape]} nodes in its data`);
    const hot = await page.evaluate(() => document.activeElement && document.activeElement.parentElement.id);
    check(hot && (await page.$eval(`#${hot}`, (e) => e.classList.contains('bottleneck'))), `${name}: the bottleneck row is drawn and focused (${hot})`);
  } else {
    check((await page.$$eval('.node', (els) => els.length)) === sizes[shape], `${name}: all ${sizes[shape]} nodes in the tree`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  const steps = await scrollSteps(page, 20, 2000);
  drawn.push(await page.$$eval('.node', (els) => els.length));
  // The row in the middle of the viewport is the one the scroll position says.
  const middle = await page.evaluate(() => {
    const e = document.elementFromPoint(window.innerWidth / 2, window.innerHeight / 2);
    return e && e.closest('.node') ? e.closest('.node').id : null;
  });
  if (shape === 'wide') {
    check(Math.max(...drawn) < 200, `${name}: ${Math.max(...drawn)} rows drawn after scrolling 40,000 px (bounded)`);
    check(middle !== null, `${name}: a row is drawn where the viewport is (${middle})`);
    await page.screenshot({ path: join(outDir, `${name}-scrolled.png`) });
    // Keyboard: End reaches the last node, which was never drawn before.
    await page.focus('.tree.windowed .node > summary');
    await page.keyboard.press('End');
    const last = await page.evaluate(() => document.activeElement.parentElement.id);
    check(last === `p1-n${sizes[shape]}`, `${name}: End moves to the last node (${last})`);
    await page.keyboard.press('ArrowUp');
    check(await page.evaluate(() => document.activeElement.parentElement.id) === `p1-n${sizes[shape] - 1}`, `${name}: ArrowUp moves to the one before`);
    await page.keyboard.press('Home');
    check(await page.evaluate(() => document.activeElement.parentElement.id) === 'p1-n1', `${name}: Home moves to the first node`);
    check((await page.$$('.node')).length < 200, `${name}: the rows drawn stay bounded after the keys`);
    // Find: a node far down the tree, not drawn, found and drawn.
    await page.keyboard.press('/');
    check(await page.evaluate(() => document.activeElement.classList.contains('find')), `${name}: / focuses find`);
    await page.keyboard.type('#9876 ');
    await page.keyboard.press('Enter');
    const found = await page.evaluate(() => document.querySelector('.node.found') && document.querySelector('.node.found').id);
    check(found === 'p1-n9876', `${name}: find draws and marks node 9876 (${found}, ${await page.textContent('.find-count')})`);
    await page.keyboard.press('Escape');
    check(await page.evaluate(() => document.activeElement.parentElement.id) === 'p1-n9876', `${name}: Escape focuses the row found`);
    // The flame graph's frame of a node not drawn selects it in the tree.
    await page.keyboard.press('f');
    const frame = await page.$eval('g.f.bottleneck', (e) => e.getAttribute('data-node')).catch(() => null);
    if (frame) {
      await page.click('g.f.bottleneck');
      check(await page.evaluate(() => document.activeElement.parentElement.id) === frame, `${name}: a frame selects its row (${frame})`);
    }
    // Print draws every row; the screen gets its window back.
    await page.emulateMedia({ media: 'print' });
    await page.waitForFunction((n) => document.querySelectorAll('.node').length === n, sizes[shape], { timeout: 120000 });
    check(true, `${name}: print draws all ${sizes[shape]} rows`);
    await page.emulateMedia({ media: 'screen' });
    await page.waitForFunction(() => document.querySelectorAll('.node').length < 200, null, { timeout: 60000 });
    check(true, `${name}: back on screen, the window again`);
  }
  timings.push({
    plan: name,
    nodes: sizes[shape],
    windowed,
    rendered_ms: rendered,
    load_ms: loadMs,
    scroll_step_2000px_median_ms: Math.round(median(steps)),
    scroll_step_2000px_max_ms: Math.round(Math.max(...steps)),
    rows_drawn_after_scrolling: drawn[0],
  });
  checkQuiet(name, seen);
  await context.close();
}
await browser.close();
writeFileSync(join(outDir, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
for (const t of timings)
  console.log(`time  ${t.plan}: script ran at ${t.rendered_ms} ms, load ${t.load_ms} ms, scroll step of 2,000 px: median ${t.scroll_step_2000px_median_ms} ms, max ${t.scroll_step_2000px_max_ms} ms; ${t.rows_drawn_after_scrolling} rows in the document`);
if (timings.length === 2)
  console.log(`time  10,000-node windowed / 1,000-node plain, median scroll step: ${(timings[1].scroll_step_2000px_median_ms / Math.max(1, timings[0].scroll_step_2000px_median_ms)).toFixed(2)}`);
console.log(`artifacts: ${outDir}`);
if (failures) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
