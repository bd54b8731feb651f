"""The three roles, kept as Django groups of these names.

The permissions each group holds are set by migration
``accounts.0002_role_groups``.
"""

EMPIK = "empik"
LIBRARY = "library"
READER = "reader"
ALL = (EMPIK, LIBRARY, READER)
