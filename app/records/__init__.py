"""The record kernel: what every field record is, the rule errors, the store a batch of
mutations writes through, and the registry of record types. It imports no field domain and
not sync, so the domains' rules run without a push and sync runs without knowing the domains
(they meet in app.record_types)."""
