// `virtsnap completion bash|zsh`: a completion script generated from the same commander tree
// that parses the command line, so it never falls out of date. Subcommands and their options
// complete from the tree; a DOMAIN argument completes from the host's domain names (one plain
// `virsh list --all --name`, on the -c URI when one was typed).

import type { Command } from 'commander';

interface CommandWords {
  name: string;
  options: string[];
  /** The first positional argument is a domain name. */
  takesDomain: boolean;
}

export function commandWords(program: Command): { commands: CommandWords[]; globalOptions: string[] } {
  const optionWords = (command: Command) => command.options.flatMap((o) => [o.short, o.long].filter((x): x is string => Boolean(x)));
  const commands = program.commands.map((command) => ({
    name: command.name(),
    options: [...optionWords(command), '--help'],
    takesDomain: command.registeredArguments[0]?.name() === 'domain',
  }));
  return { commands, globalOptions: [...optionWords(program), '--help', '--version'] };
}

const shellWords = (words: readonly string[]) => words.join(' ');

export function bashCompletion(program: Command): string {
  const { commands, globalOptions } = commandWords(program);
  const cases = commands
    .map((c) => `    ${c.name}) opts="${shellWords(c.options)}"; domain=${c.takesDomain ? 1 : 0} ;;`)
    .join('\n');
  return `# bash completion for virtsnap; load with: source <(virtsnap completion bash)
_virtsnap_domains() {
  local uri="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -c|--connect) uri="\${COMP_WORDS[i+1]}" ;;
      --connect=*) uri="\${COMP_WORDS[i]#--connect=}" ;;
    esac
  done
  timeout 3 virsh -q \${uri:+-c "$uri"} list --all --name 2>/dev/null
}
_virtsnap() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" sub="" i opts="" domain=0 positional=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -c|--connect|--virsh-mode|--host) ((i++)) ;;
      -*) ;;
      *) if [ -z "$sub" ]; then sub="\${COMP_WORDS[i]}"; else ((positional++)); fi ;;
    esac
  done
  if [ -z "$sub" ]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${shellWords(globalOptions)}" -- "$cur"));
    else COMPREPLY=($(compgen -W "${shellWords(commands.map((c) => c.name))}" -- "$cur")); fi
    return
  fi
  case "$sub" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi
  if [ "$domain" = 1 ] && [ "$positional" = 0 ]; then
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(_virtsnap_domains)" -- "$cur"))
  fi
}
complete -F _virtsnap virtsnap
`;
}

export function zshCompletion(program: Command): string {
  const { commands, globalOptions } = commandWords(program);
  const cases = commands
    .map((c) => `      ${c.name}) opts=(${c.options.map((o) => `'${o}'`).join(' ')}); domain=${c.takesDomain ? 1 : 0} ;;`)
    .join('\n');
  return `#compdef virtsnap
# zsh completion for virtsnap; load with: source <(virtsnap completion zsh)
_virtsnap() {
  local -a subs opts
  local sub="" domain=0 positional=0 uri="" i
  subs=(${commands.map((c) => `'${c.name}'`).join(' ')})
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      -c|--connect) uri="\${words[i+1]}"; ((i++)) ;;
      --virsh-mode|--host) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$sub" ]]; then sub="\${words[i]}"; else ((positional++)); fi ;;
    esac
  done
  if [[ -z "$sub" ]]; then
    if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- ${globalOptions.map((o) => `'${o}'`).join(' ')}; else compadd -a subs; fi
    return
  fi
  case "$sub" in
${cases}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then compadd -a opts; return; fi
  if [[ "$domain" == 1 && "$positional" == 0 ]]; then
    local -a doms
    doms=("\${(@f)$(timeout 3 virsh -q \${uri:+-c "$uri"} list --all --name 2>/dev/null)}")
    compadd -a doms
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _virtsnap "$@"; else compdef _virtsnap virtsnap; fi
`;
}
