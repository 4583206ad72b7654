from opsplatform.reporting import rollup  # noqa: F401  (keeps the daily figures exact on every commit)
