"""School-safety patrol system: offline-first sync server."""
