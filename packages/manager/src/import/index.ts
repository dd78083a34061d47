export {
  type DamoclesExportEntry,
  damoclesCandidates,
  MAX_DAMOCLES_EXPORT_BYTES,
  parseDamoclesExport,
  recordFromDamocles,
  recordToDamocles,
} from './damocles-json.js'
export {
  type ImportCallOptions,
  type ImportEvents,
  SectorImporter,
  type SectorImporterOptions,
} from './importer.js'
export {
  type LotusMinerSource,
  type LotusMinerSourceOptions,
  lotusMinerCandidates,
  lotusStateClass,
  recordFromLotus,
} from './lotus-miner.js'
export type {
  ImportCandidate,
  ImportConflictKind,
  ImportFiles,
  ImportItem,
  ImportReport,
  ImportStore,
} from './types.js'
