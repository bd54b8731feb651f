"""What a person does in the browser, in the words they see on the page."""

import re

from playwright.sync_api import expect

from tests.e2e import axe
from tests.factories import PASSWORD


def label(text):
    """A field's label exactly, with the asterisk of a required field or not."""
    return re.compile(rf"^\s*{re.escape(text)}\*?\s*$")


def arrive(page, heading):
    """Check the page shows ``heading`` as its title, then audit it."""
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    axe.audit(page)


def sign_in(page, email, password=PASSWORD):
    """Sign in from the sign-in page, which the browser shows now."""
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()


def start_signed_in(page, email, heading, password=PASSWORD):
    """Open the sign-in page, the one address typed, and sign in."""
    page.goto("/accounts/login/")
    arrive(page, "Sign in")
    sign_in(page, email, password)
    arrive(page, heading)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    arrive(page, "Sign in")


def follow_menu(page, name):
    """Follow a link of the main menu, opening it first on a small screen."""
    menu = page.get_by_role("navigation", name="Main")
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()
    menu.get_by_role("link", name=name).click()


def row_of(page, text):
    """The one row of a table that mentions ``text``."""
    rows = page.get_by_role("row").filter(has_text=text)
    expect(rows).to_have_count(1)
    return rows


def open_request_of(page, text):
    """Follow the request link in the table row that mentions ``text``."""
    row_of(page, text).get_by_role("link", name=re.compile(r"Request #\d+")).click()


def cell_beside(page, heading):
    """The cell of the table row headed ``heading``, in the page's content."""
    row = (
        page.get_by_role("main")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=heading, exact=True))
    )
    return row.get_by_role("cell")


def expect_message(page, text):
    """Check the page tells the person ``text`` in a message."""
    expect(
        page.locator("[role=status], [role=alert]").filter(has_text=text)
    ).to_be_visible()


def import_codes(page, *, library, batch_name, codes, valid_until, screenshot=None):
    """Load a CSV of codes from the admin's code list: check, then confirm."""
    page.get_by_role("link", name="Import").click()
    arrive(page, "Import codes")
    rows = "".join(f"{code}\n" for code in codes)
    page.get_by_label("File to import").set_input_files(
        files=[
            {
                "name": "codes.csv",
                "mimeType": "text/csv",
                "buffer": f"code\n{rows}".encode(),
            }
        ]
    )
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_label("Library").select_option(label=library.name)
    page.get_by_label("Batch name").fill(batch_name)
    page.get_by_label("Valid until").fill(valid_until.isoformat())
    page.get_by_role("button", name="Check the file").click()

    arrive(page, "Import codes")
    expect(cell_beside(page, "Library")).to_have_text(library.name)
    expect(cell_beside(page, "Batch")).to_have_text(batch_name)
    expect(cell_beside(page, "Codes")).to_have_text(str(len(codes)))
    preview = page.get_by_role("table").filter(
        has=page.get_by_role("columnheader", name="Line")
    )
    for code in codes:
        expect(preview.get_by_role("cell", name=code, exact=True)).to_be_visible()
    if screenshot:
        screenshot(page, "admin-import-preview")
    page.get_by_role("button", name=f"Load {len(codes)} codes").click()

    arrive(page, "Select code to view")
    expect(
        page.get_by_text(f"{len(codes)} codes loaded for {library.name}")
    ).to_be_visible()
