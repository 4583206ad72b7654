"""The audit log: every change of an audited model recorded with who made it (recorder.install)."""
