from opsplatform.audit import recorder  # noqa: F401  (registers the listener on every ORM session)
