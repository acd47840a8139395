// The TUI draws on the terminal's alternate screen, as lazygit and k9s do: quitting gives the
// operator back the shell exactly as it was, with no last frame left behind. Ink 6 has no
// option for it, so virtsnap switches itself, and switches back on every way out: a normal
// quit, an exception, process exit, and the signals that end a terminal program.

const ENTER = '\u001b[?1049h';
/** Leave the alternate screen and show the cursor again (Ink hides it). */
const LEAVE = '\u001b[?1049l\u001b[?25h';

export interface AlternateScreen {
  /** Back to the normal screen; safe to call more than once. */
  leave(): void;
  /** Enter again after something (an editor) left it. */
  reenter(): void;
}

const SIGNALS = { SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 } as const;

export function enterAlternateScreen(out: NodeJS.WriteStream, onSignal: (signal: NodeJS.Signals) => void): AlternateScreen {
  if (!out.isTTY) return { leave() {}, reenter() {} };
  let inside = true;
  out.write(ENTER);
  const leave = () => {
    if (!inside) return;
    inside = false;
    out.write(LEAVE);
  };
  const handlers = Object.entries(SIGNALS).map(([signal, number]) => {
    const handler = () => {
      // Ink's unmount writes a last frame: let it land on the alternate screen, then leave it.
      onSignal(signal as NodeJS.Signals);
      // The code goes with exit() itself: the CLI, unwinding meanwhile, sets its own.
      setImmediate(() => {
        leave();
        process.exit(128 + number);
      });
    };
    // \`on\`, not \`once\`: Ink's signal-exit re-raises a signal when it sees no other listener
    // for it, which would end the process before the terminal is given back.
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  process.once('exit', leave);
  return {
    leave() {
      leave();
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
      process.removeListener('exit', leave);
    },
    reenter() {
      inside = true;
      out.write(ENTER);
    },
  };
}
