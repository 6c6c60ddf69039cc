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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('pglens.copyDdl', async (ddl: string) => {
      await vscode.env.clipboard.writeText(ddl);
      vscode.window.showInformationMessage('pglens: suggested DDL copied to the clipboard');
    }),
    vscode.commands.registerCommand('pglens.restart', async () => {
      await client?.stop();
      client = createClient();
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!client) return;
      if (event.affectsConfiguration('pglens.path')) {
        await vscode.commands.executeCommand('pglens.restart');
      } else if (event.affectsConfiguration('pglens')) {
        await client.sendNotification('workspace/didChangeConfiguration', { settings: serverSettings() });
      }
    }),
  );
  client = createClient();
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `pglens: could not start \`${vscode.workspace.getConfiguration('pglens').get('path')} lsp\`: ${error}. ` +
        'Set "pglens.path" to the pglens binary.',
    );
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
