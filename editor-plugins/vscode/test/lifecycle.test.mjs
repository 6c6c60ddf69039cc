// The extension's lifecycle against a stand-in for VS Code and for vscode-languageclient 9
// (whose client, once its start failed, throws "Client is not running" from stop() and
// dispose()): a failed start is reported, `pglens.restart` then starts the server, and
// deactivate() never throws; correcting `pglens.path` in the settings restarts it by itself.
// src/extension.ts is bundled with both modules left external.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Module, { createRequire } from 'node:module';
import { buildSync } from 'esbuild';

const source = fileURLToPath(new URL('../src/extension.ts', import.meta.url));
const outfile = join(mkdtempSync(join(tmpdir(), 'pglens-vscode-')), 'extension.cjs');
buildSync({ entryPoints: [source], bundle: true, outfile, format: 'cjs', platform: 'node',
            external: ['vscode', 'vscode-languageclient/node'], logLevel: 'silent' });

const settings = { path: '/nonexistent/pglens', databaseUrl: '', configPath: '', debounceMs: null };
const errors = [];
const commands = new Map();
const clients = [];
const configurationHandlers = [];
// What VS Code passes to onDidChangeConfiguration handlers when `section` changed.
const changed = (section) => ({ affectsConfiguration: (name) => section === name || section.startsWith(`${name}.`) });
const statusItem = { text: '', tooltip: '', visible: false, show() { this.visible = true; },
                     hide() { this.visible = false; }, dispose() {} };

class LanguageClient {
  constructor(id, name, serverOptions) {
    this.command = serverOptions.command;
    this.state = 'initial';
    this.handlers = new Map();
    clients.push(this);
  }
  isRunning() { return this.state === 'running'; }
  async start() {
    if (!existsSync(this.command)) {
      this.state = 'startFailed';
      throw new Error(`spawn ${this.command} ENOENT`);
    }
    this.state = 'running';
  }
  async stop() {
    if (this.state !== 'running') throw new Error('Client is not running and can\'t be stopped.');
    this.state = 'stopped';
  }
  async dispose() { return this.stop(); }
  onNotification(method, handler) {
    this.handlers.set(method, handler);
    return { dispose() {} };
  }
  async sendNotification() {
    if (this.state !== 'running') throw new Error('Client is not running');
  }
}

const vscode = {
  workspace: {
    getConfiguration: () => ({ get: (key) => settings[key] }),
    onDidChangeConfiguration: (handler) => { configurationHandlers.push(handler); return { dispose() {} }; },
  },
  commands: {
    registerCommand: (name, fn) => { commands.set(name, fn); return { dispose() {} }; },
  },
  window: {
    showErrorMessage: (m) => errors.push(m),
    showInformationMessage: () => {},
    createStatusBarItem: () => statusItem,
  },
  StatusBarAlignment: { Left: 1, Right: 2 },
  env: { clipboard: { writeText: async () => {} } },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  if (request === 'vscode-languageclient/node') return { LanguageClient, TransportKind: { stdio: 0 } };
  return load.call(this, request, ...rest);
};
const extension = createRequire(import.meta.url)(outfile);

test('a failed start is reported, restart recovers, deactivate does not throw', async () => {
  await extension.activate({ subscriptions: [] });
  assert.equal(errors.length, 1);
  assert.match(errors[0], /could not start/);
  assert.equal(clients.at(-1).state, 'startFailed');

  // Still the wrong path: restarting reports it again, and does not throw.
  await commands.get('pglens.restart')();
  assert.equal(errors.length, 2);

  settings.path = process.execPath;  // any binary that exists
  await commands.get('pglens.restart')();
  assert.equal(clients.at(-1).state, 'running');
  assert.equal(errors.length, 2);

  await commands.get('pglens.restart')();  // a running client is stopped, a new one started
  assert.equal(clients.at(-2).state, 'stopped');
  assert.equal(clients.at(-1).state, 'running');

  await extension.deactivate();
  assert.equal(clients.at(-1).state, 'stopped');
});

test('deactivate after a failed start does not throw', async () => {
  settings.path = '/nonexistent/pglens';
  await commands.get('pglens.restart')();
  assert.equal(clients.at(-1).state, 'startFailed');
  await extension.deactivate();
  await extension.deactivate();  // twice, as VS Code may
});

test('the database state the server reports shows in the status bar', async () => {
  settings.path = process.execPath;
  await commands.get('pglens.restart')();
  const notify = clients.at(-1).handlers.get('pglens/databaseStatus');
  assert.ok(notify, 'the client listens for pglens/databaseStatus');
  notify({ config: '/w/.pglens.toml', state: 'connecting', source: 'setting', message: 'reading the schema from the database' });
  assert.equal(statusItem.visible, true);
  assert.match(statusItem.text, /connecting/);
  notify({ config: '/w/.pglens.toml', state: 'connected', source: 'setting', message: 'schema read from the database (12 tables)', tables: 12 });
  assert.match(statusItem.text, /connected \(12 tables\)/);
  notify({ config: '', state: 'untrusted', message: 'run `pglens trust`' });
  assert.match(statusItem.text, /not trusted/);
  assert.match(statusItem.tooltip, /\/w\/.pglens.toml: schema read/);
  assert.match(statusItem.tooltip, /default configuration: run `pglens trust`/);
  await extension.deactivate();
  assert.equal(statusItem.visible, false);
});

test('correcting pglens.path after a failed start restarts the server without a command', async () => {
  settings.path = '/nonexistent/pglens';
  await commands.get('pglens.restart')();
  assert.equal(clients.at(-1).state, 'startFailed');
  const before = errors.length;
  const started = clients.length;

  settings.path = process.execPath;
  for (const handler of configurationHandlers) await handler(changed('pglens.path'));
  assert.equal(clients.length, started + 1, 'a new client for the new path');
  assert.equal(clients.at(-1).command, process.execPath);
  assert.equal(clients.at(-1).state, 'running');
  assert.equal(errors.length, before, 'nothing reported');

  // Another setting goes to the running server, which is not restarted.
  settings.databaseUrl = 'postgresql://localhost/shop';
  for (const handler of configurationHandlers) await handler(changed('pglens.databaseUrl'));
  assert.equal(clients.length, started + 1);
  await extension.deactivate();
  assert.equal(clients.at(-1).state, 'stopped');
});
