"""The linear Alembic chain of releases before plugins owned their storage, verbatim.

Used only to build a database as those releases left it (``test_legacy_upgrade``).
"""
