// The status line: a message that clears itself after a while.

import type { StatusActions, StatusMessage, StatusState } from './app-state.js';
import type { SliceContext } from './slice.js';

export const MESSAGE_MS = 5000;
/** Errors stay longer: they are what the operator must read. */
export const ERROR_MESSAGE_MS = 10_000;

export const initialStatus: StatusState = { message: null };

export function statusSlice({ get, set }: Pick<SliceContext, 'get' | 'set'>, now: () => number = Date.now): StatusActions {
  return {
    say(text: string, kind: StatusMessage['kind'] = 'info') {
      set({ message: { text, kind, until: now() + (kind === 'error' ? ERROR_MESSAGE_MS : MESSAGE_MS) } });
    },
    clearExpiredMessage(at) {
      const message = get().message;
      if (message && message.until <= at) set({ message: null });
    },
  };
}
