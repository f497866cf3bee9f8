// Types for the ES module entry of milsymbol 3 (index.mjs), reached through the
// 'milsymbol-lean' alias in vite.config.ts: the package's own export map only offers the
// entry that registers every standard (~860 kB minified); the page needs letter SIDCs for
// air and ground equipment only.
declare module 'milsymbol-lean' {
  import type msDefault from 'milsymbol';
  export const ms: typeof msDefault & { addIcons(parts: unknown): void };
  export const letterair: unknown;
  export const letterequipment: unknown;
}
