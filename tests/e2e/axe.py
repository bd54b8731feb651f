"""Accessibility checks with axe-core, vendored in ``assets/``.

Every page a journey shows is audited against WCAG 2.1 A and AA, at a desktop
and at a phone-sized viewport; any violation fails the test.
"""

import hashlib
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

AXE_JS = Path(__file__).resolve().parent / "assets" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# Rules that the Django admin's own markup breaks, switched off on /admin/
# pages only; every page of codeshare's own is held to all of them.
ADMIN_EXCLUDED_RULES = {
    # The change list's search bar puts "Show all" in a line of small grey
    # text, a link told apart by its colour alone (django/contrib/admin/
    # templates/admin/search_form.html).
    "link-in-text-block",
}

_ledgers = {}
# Pages already found clean in this run, by address and visible text: the
# sign-in page, shown at the start of every journey, is audited once.
_clean = set()


def attach(page):
    """Give every document of ``page`` axe, and note each address it shows.

    The browser itself adds axe to each document, so the pages keep their
    Content Security Policy, which allows no inline script.
    """
    page.add_init_script(path=AXE_JS)
    ledger = _ledgers[page.context] = {"shown": set(), "audited": set()}

    def on_navigated(frame):
        if frame == page.main_frame:
            ledger["shown"].add(_address(frame.url))

    page.on("framenavigated", on_navigated)


def unaudited(context):
    """The addresses shown in ``context`` that no audit looked at."""
    ledger = _ledgers.pop(context, {"shown": set(), "audited": set()})
    return sorted(ledger["shown"] - ledger["audited"] - {"about:blank"})


def audit(page):
    """Run axe on the page as it is now; fail on any WCAG 2.1 A/AA violation."""
    page.wait_for_load_state()
    address = _address(page.url)
    _ledgers[page.context]["audited"].add(address)
    text = page.evaluate("() => document.body.innerText")
    fingerprint = hashlib.sha256(f"{address}\n{text}".encode()).hexdigest()
    if fingerprint in _clean:
        return

    excluded = ADMIN_EXCLUDED_RULES if _is_admin(address) else set()
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": False} for rule in excluded},
        "resultTypes": ["violations"],
    }

    restore = page.viewport_size
    report = []
    try:
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            result = page.evaluate("options => axe.run(document, options)", options)
            report.extend(
                _describe(name, violation) for violation in result["violations"]
            )
    finally:
        page.set_viewport_size(restore)

    assert not report, f"Accessibility violations on {address}:\n" + "\n".join(report)
    _clean.add(fingerprint)


def _describe(viewport, violation):
    nodes = "\n".join(
        f"      {' '.join(node['target'])}\n        {_summary(node)}"
        for node in violation["nodes"]
    )
    return f"  [{viewport}] {violation['id']}: {violation['help']}\n{nodes}"


def _summary(node):
    """What axe says is wrong with one element, on one line."""
    lines = (node.get("failureSummary") or "").splitlines()
    return " ".join(line.strip() for line in lines[1:] or lines)


def _address(url):
    return urldefrag(url).url


def _is_admin(address):
    return urlsplit(address).path.startswith("/admin/")
