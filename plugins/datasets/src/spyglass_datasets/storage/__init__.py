"""Storage adapters of the datasets plugin: SQL tables, repositories and in-memory fakes."""
