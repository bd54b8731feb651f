"""Compile each locale/<language>/LC_MESSAGES/django.po into its django.mo.

Pure Python (polib), so that a fresh machine needs no GNU gettext to build or
test the project. Fuzzy and untranslated entries are left out, as msgfmt
leaves them out.
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent


def compile_catalogue(po_path):
    """Write the .mo beside ``po_path``; True when it was missing or stale."""
    mo_path = po_path.with_suffix(".mo")
    compiled = polib.pofile(str(po_path)).to_binary()
    if mo_path.exists() and mo_path.read_bytes() == compiled:
        # Newer than its .po again, so that make sees it up to date.
        mo_path.touch()
        return False

    mo_path.write_bytes(compiled)
    return True


def main():
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po")):
        if compile_catalogue(po_path):
            print(f"Compiled {po_path.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
