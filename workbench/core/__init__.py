"""workbench core: catalogs, store, readiness and reports. Imports neither textual nor rich."""
