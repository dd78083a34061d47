// Loads the TypeScript pool worker through tsx when the sealer runs from its sources (tests).
import { register } from 'tsx/esm/api'

register()
const mod = await import('./pool-worker.ts')
export default mod.default
