// Colours by meaning. With NO_COLOR set every colour is dropped; selection stays visible
// through inverse video and the markers (`>`, `*`), which need no colour.

export interface Theme {
  accent?: string;
  muted?: string;
  current?: string;
  error?: string;
  external?: string;
}

const COLOURS: Theme = { accent: 'cyan', muted: 'gray', current: 'green', error: 'red', external: 'magenta' };

export function themeFor(env: NodeJS.ProcessEnv): Theme {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? {} : COLOURS;
}
