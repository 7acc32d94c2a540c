// The operator subcommands' names, apart from their code so the server CLI can recognise them
// without loading it.
export const TOOL_COMMANDS = ['doctor', 'conns', 'kick'] as const;
export type ToolCommand = (typeof TOOL_COMMANDS)[number];

export function isToolCommand(s: string | undefined): s is ToolCommand {
  return (TOOL_COMMANDS as readonly string[]).includes(s ?? '');
}
