"""The figures seizures feed: daily and window figures kept exact on every commit (rollup), read by reporting,
briefings and releases, and folded where a country consented only to aggregates (consent). Beneath the seizures that
write them and the reports that read them."""
