export {
  DEFAULT_LEASE_TTL_MS,
  type HeldLease,
  LEASE_RENEWALS_PER_TTL,
  type LeaseDeadline,
  type LeaseEvents,
  type StoreDeadlineLeases,
  type StoreDeadlineLeasesOptions,
  storeDeadlineLeases,
} from './leases.js'
