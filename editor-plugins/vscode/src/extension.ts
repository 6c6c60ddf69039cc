// Starts `pglens lsp` for SQL and pgexplain documents and passes the settings on.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem | undefined;

// What the server says of the database a configuration's schema comes from
// (the `pglens/databaseStatus` notification).
export interface DatabaseStatus {
  config: string; // the .pglens.toml; empty for the defaults
  state: 'none' | 'untrusted' | 'connecting' | 'connected' | 'unreachable';
  source?: 'setting' | 'environment' | 'trustedConfig';
  message: string;
  tables?: number;
  retryInSeconds?: number;
}

const statuses = new Map<string, DatabaseStatus>(); // by config

// The status bar item's text: the state last reported; the tooltip lists every configuration.
export function statusText(latest: DatabaseStatus): string {
  switch (latest.state) {
    case 'connected': return `$(database) pglens: connected (${latest.tables ?? 0} tables)`;
    case 'connecting': return '$(sync~spin) pglens: connecting';
    case 'unreachable': return '$(warning) pglens: database unreachable';
    case 'untrusted': return '$(shield) pglens: database not trusted';
    default: return '$(database) pglens: no database';
  }
}

function showStatus(status: DatabaseStatus): void {
  statuses.set(status.config, status);
  if (!statusItem) return;
  statusItem.text = statusText(status);
  statusItem.tooltip = [...statuses.values()]
    .map((s) => `${s.config || 'default configuration'}: ${s.message}`)
    .join('\n');
  statusItem.show();
}

// The settings the server reads (see `pglens lsp --help`). The extension implements the
// `pglens.copyDdl` command, so the server offers "Copy the suggested DDL".
function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('pglens');
  return {
    pglens: {
      databaseUrl: config.get<string>('databaseUrl') ?? '',
      configPath: config.get<string>('configPath') ?? '',
      debounceMs: config.get<number | null>('debounceMs') ?? null,
      maxDiagnostics: config.get<number>('maxDiagnostics') ?? 1000,
      planQueryPairing: config.get<string>('planQueryPairing') ?? 'comment',
      clientCommands: ['pglens.copyDdl'],
    },
  };
}

function createClient(): LanguageClient {
  const command = vscode.workspace.getConfiguration('pglens').get<string>('path') || 'pglens';
  const serverOptions: ServerOptions = { command, args: ['lsp'], transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'sql' },
      { scheme: 'untitled', language: 'sql' },
      { scheme: 'file', language: 'pgexplain' },
      { scheme: 'untitled', language: 'pgexplain' },
    ],
    initializationOptions: serverSettings(),
  };
  return new LanguageClient('pglens', 'pglens', serverOptions, clientOptions);
}

// Stops the client if it runs. A client whose start failed (a wrong `pglens.path`) is not
// running, and stopping it throws "Client is not running": it is disposed of instead, and
// nothing it throws on the way out stops a restart or the extension's deactivation.
async function stopClient(): Promise<void> {
  const old = client;
  client = undefined;
  statusItem?.hide(); // the next server reports again
  if (!old) return;
  try {
    if (old.isRunning()) await old.stop();
    else await old.dispose();
  } catch {
    // Already stopped or never started: nothing left to stop.
  }
}

// Starts a new client; a start that fails is reported, and `pglens.restart` tries again.
async function startClient(): Promise<void> {
  await stopClient();
  const next = createClient();
  client = next;
  statuses.clear();
  next.onNotification('pglens/databaseStatus', showStatus);
  try {
    await next.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `pglens: could not start \`${vscode.workspace.getConfiguration('pglens').get('path')} lsp\`: ${error}. ` +
        'Set "pglens.path" to the pglens binary, then run "pglens: Restart the language server".',
    );
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left);
  statusItem.name = 'pglens database';
  context.subscriptions.push(
    statusItem,
    vscode.commands.registerCommand('pglens.copyDdl', async (ddl: string) => {
      await vscode.env.clipboard.writeText(ddl);
      vscode.window.showInformationMessage('pglens: suggested DDL copied to the clipboard');
    }),
    vscode.commands.registerCommand('pglens.restart', startClient),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('pglens.path')) {
        await startClient();
      } else if (event.affectsConfiguration('pglens') && client?.isRunning()) {
        await client.sendNotification('workspace/didChangeConfiguration', { settings: serverSettings() });
      }
    }),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
