// rocksdb-native ships no type declarations; meta-db.ts declares the little it uses.
declare module 'rocksdb-native' {
  const RocksDB: unknown
  export default RocksDB
}
