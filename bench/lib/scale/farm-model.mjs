// The life of one sector on a sealing thread of a real farm, in real seconds: what the simulated
// threads of farm.mjs follow (divided by the benchmark's K).

/** Real seconds of each step of a 32GiB CC sector (static tree_d, GPU PC2/C2). */
export const STAGE = {
  addPiece: 5,
  treeD: 10,
  pc1: 3.5 * 3600,
  pc2: 15 * 60,
  persist: 5 * 60,
  c1: 60,
  c2: 12 * 60,
}
/** Real seconds of the waits that depend on the chain, as the fast-forward counts them. */
export const WAIT = { preLanding: 330, seed: 3900, proofLanding: 360 }
export const INTERVAL = { polling: 30, seal: 30, recover: 30, ping: 180 }
/** One sector's life, real seconds. */
export const CYCLE =
  Object.values(STAGE).reduce((a, b) => a + b, 0) +
  Object.values(WAIT).reduce((a, b) => a + b, 0) +
  INTERVAL.seal
