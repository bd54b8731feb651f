"""Provider staff load codes in the admin, and the codes reach the readers.

Each person has a browser of their own: the provider's staff at their
office, the librarian at the library's desk, the reader at home.
"""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from requests_app import services
from tests.e2e.steps import (
    arrive,
    expect_message,
    follow_menu,
    import_codes,
    open_request_of,
    row_of,
    start_signed_in,
)

NEW_CODES = ["SPRING-0001", "SPRING-0002", "SPRING-0003"]


def valid_until():
    return timezone.localdate() + datetime.timedelta(days=60)


def test_provider_loads_codes_in_the_admin_and_sees_them_in_the_pool(
    open_page, library, provider, screenshot
):
    """Import a CSV for a library in the admin, then find it on the dashboard."""
    office = open_page()
    start_signed_in(office, provider.email, "Code pool")
    follow_menu(office, "Admin")

    arrive(office, "Site administration")
    codes = office.get_by_role("rowheader", name="Codes", exact=True)
    codes.get_by_role("link").click()

    arrive(office, "Select code to view")
    import_codes(
        office,
        library=library,
        batch_name="Spring 2027",
        codes=NEW_CODES,
        valid_until=valid_until(),
        screenshot=screenshot,
    )
    for code in NEW_CODES:
        expect(office.get_by_role("link", name=code, exact=True)).to_be_visible()
    office.get_by_role("link", name="View site").click()

    arrive(office, "Code pool")
    by_library = office.get_by_role("table", name="Codes by library")
    expect(row_of(by_library, library.name).get_by_role("cell")).to_have_text(
        [library.name, library.slug, "3", "0", "0", "0", "0", "3"]
    )
    by_batch = office.get_by_role("table", name="Codes by batch")
    expect(row_of(by_batch, "Spring 2027")).to_contain_text(valid_until().isoformat())
    screenshot(office, "provider-dashboard", full_page=True)


def test_waitlisted_request_gets_a_code_when_the_provider_loads_more(
    open_page, library, reader, librarian, provider, mailoutbox
):
    """An approval on an empty pool waits; the next codes loaded fulfil it."""
    services.submit_request(
        reader=reader, library=library, card_number=reader.card_number
    )

    desk = open_page()
    start_signed_in(desk, librarian.email, f"{library.name}: requests")
    open_request_of(desk, reader.full_name)

    arrive(desk, "Request #")
    desk.get_by_role("button", name="Approve").click()

    arrive(desk, f"{library.name}: requests")
    expect_message(desk, "approved and waitlisted: the pool is empty")
    expect(row_of(desk, reader.full_name)).to_contain_text("waitlisted")

    home = open_page()
    start_signed_in(home, reader.email, "My requests")
    open_request_of(home, library.name)

    arrive(home, f"to {library.name}")
    expect(home.get_by_text("number 1 on its waitlist")).to_be_visible()

    office = open_page()
    start_signed_in(office, provider.email, "Code pool")
    office.get_by_role("link", name="Load codes").click()

    arrive(office, "Select code to view")
    import_codes(
        office,
        library=library,
        batch_name="Top-up",
        codes=NEW_CODES[:2],
        valid_until=valid_until(),
    )

    follow_menu(home, "My requests")

    arrive(home, "My requests")
    expect(row_of(home, library.name)).to_contain_text("approved")
    open_request_of(home, library.name)

    arrive(home, f"to {library.name}")
    code = home.get_by_role("region", name="Your code")
    expect(code.get_by_text(NEW_CODES[0], exact=True)).to_be_visible()
    ready = [mail for mail in mailoutbox if "is ready" in mail.subject]
    assert [mail.to for mail in ready] == [[reader.email]]
    assert NEW_CODES[0] not in ready[0].body
