"""SQL for the ClickHouse analytics store's reads, one module per concern.

``select``: the deduplicated select (``Params``, ``Where``, pages, counts) every read is
built on; ``filters``: the ``filter`` conditions; ``traces``, ``observations``,
``scores``, ``sessions`` and ``metrics``: the conditions and aggregates of each read.
Column names and operators come only from whitelists: the filterable and sortable
columns are declared in ``spyglass_tracing.domain.filter_columns``, whose fields are the
tables' column names.
"""
