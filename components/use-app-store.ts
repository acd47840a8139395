import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from '../src/store/app-store.js';

export const AppStoreContext = createContext<AppStore | null>(null);

/** Selector hook over the vanilla store: a component re-renders only when its slice changes. */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error('useAppStore outside AppStoreContext');
  return useStore(store, selector);
}

export function useAppStoreApi(): AppStore {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error('useAppStoreApi outside AppStoreContext');
  return store;
}
