"""ClickHouse migrations of the tracing plugin: ordered ``.sql`` files (namespace ``tracing``)."""
