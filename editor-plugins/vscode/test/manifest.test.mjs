// Checks what `npm run package` produced: the manifest inside pglens.vsix (a zip) and the
// files it must and must not carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const vsix = fileURLToPath(new URL('../pglens.vsix', import.meta.url));

// The entries of a zip archive, read from its central directory.
function readZip(path) {
  const buf = readFileSync(path);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'not a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'bad central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    entries.set(name, () => (method === 8 ? inflateRawSync(raw) : raw));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const entries = readZip(vsix);
const manifest = JSON.parse(entries.get('extension/package.json')().toString('utf8'));

test('the entry point is packaged, bundled with its client library', () => {
  assert.equal(manifest.main, './out/extension.js');
  assert.ok(entries.has('extension/out/extension.js'));
  const code = entries.get('extension/out/extension.js')().toString('utf8');
  assert.match(code, /require\("vscode"\)/);
  assert.doesNotMatch(code, /require\("vscode-languageclient/, 'vscode-languageclient must be bundled');
  assert.match(code, /"lsp"/, 'the server is started as `pglens lsp`');
});

test('no sources, tests or node_modules in the package', () => {
  for (const name of entries.keys()) {
    assert.doesNotMatch(name, /^extension\/(node_modules|src|test|scripts)\//, name);
  }
});

test('SQL and pgexplain documents activate it; plans are *.explain and *.plan', () => {
  assert.deepEqual(manifest.activationEvents.sort(), ['onLanguage:pgexplain', 'onLanguage:sql']);
  const pgexplain = manifest.contributes.languages.find((l) => l.id === 'pgexplain');
  assert.ok(pgexplain, 'the pgexplain language is contributed');
  assert.deepEqual(pgexplain.extensions, ['.explain', '.plan']);
  assert.ok(entries.has('extension/' + pgexplain.configuration.replace('./', '')));
});

test('settings for the binary path and the database URL', () => {
  const props = manifest.contributes.configuration.properties;
  assert.equal(props['pglens.path'].type, 'string');
  assert.equal(props['pglens.path'].default, 'pglens');
  assert.equal(props['pglens.databaseUrl'].type, 'string');
  assert.ok(props['pglens.configPath']);
  assert.ok(props['pglens.debounceMs']);
  assert.equal(props['pglens.planQueryPairing'].default, 'comment');
});

test('the copy-DDL command the server relies on is declared', () => {
  const commands = manifest.contributes.commands.map((c) => c.command);
  assert.ok(commands.includes('pglens.copyDdl'));
  assert.ok(commands.includes('pglens.restart'));
});
