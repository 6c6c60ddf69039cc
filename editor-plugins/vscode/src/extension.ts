// Starts `pglens lsp` for SQL and pgexplain documents and passes the settings on.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

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
  context.subscriptions.push(
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
