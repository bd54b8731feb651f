"""A reader asks for a code and the librarian decides.

Each person has a browser of their own: the reader's at home, the
librarian's at the library's desk.
"""

from playwright.sync_api import expect

from requests_app import services
from tests import factories
from tests.e2e import axe
from tests.e2e.steps import (
    arrive,
    expect_message,
    follow_menu,
    label,
    open_request_of,
    row_of,
    sign_in,
    sign_out,
    start_signed_in,
)

NEW_READER = {
    "email": "ada@example.test",
    "full_name": "Ada Nowak",
    "card_number": "CARD-204518",
    "password": "quiet-reading-room-42",
}


def test_new_reader_registers_asks_and_gets_a_code(
    open_page, library, librarian, screenshot
):
    """Register, ask, get approved, and read the code with how to activate it."""
    batch = factories.CodeBatchFactory(library=library)
    first = factories.CodeFactory(batch=batch, value="EGO-7K4M-Q2PX")
    factories.CodeFactory(batch=batch, value="EGO-3HD9-W8LT")

    home = open_page()
    home.goto("/accounts/login/")
    arrive(home, "Sign in")
    home.get_by_role("link", name="Create an account").click()

    arrive(home, "Create a reader's account")
    home.get_by_label(label("Email address")).fill(NEW_READER["email"])
    home.get_by_label(label("Full name")).fill(NEW_READER["full_name"])
    home.get_by_label(label("Home library")).select_option(label=library.name)
    home.get_by_label(label("Library card number")).fill(NEW_READER["card_number"])
    home.get_by_label(label("Password")).fill(NEW_READER["password"])
    home.get_by_label(label("Password again")).fill(NEW_READER["password"])
    home.get_by_role("button", name="Create account").click()

    arrive(home, "My requests")
    expect_message(home, "Your account is ready")
    sign_out(home)
    sign_in(home, NEW_READER["email"], NEW_READER["password"])

    arrive(home, "My requests")
    expect(home.get_by_text("You have not asked for a code yet.")).to_be_visible()
    home.get_by_role("main").get_by_role("link", name="Ask for a code").click()

    arrive(home, "Ask for a code")
    expect(home.get_by_label(label("Library"))).to_have_value(str(library.pk))
    expect(home.get_by_label(label("Library card number"))).to_have_value(
        NEW_READER["card_number"]
    )
    home.get_by_role("button", name="Ask for a code").click()

    arrive(home, f"to {library.name}")
    expect_message(home, "Your request is sent")
    expect(home.get_by_text("Status: pending")).to_be_visible()
    expect(home.get_by_text("Your library has not decided yet.")).to_be_visible()

    desk = open_page()
    start_signed_in(desk, librarian.email, f"{library.name}: requests")
    expect(row_of(desk, NEW_READER["full_name"])).to_contain_text("pending")
    screenshot(desk, "librarian-queue")
    open_request_of(desk, NEW_READER["full_name"])

    arrive(desk, "Request #")
    expect(desk.get_by_text(NEW_READER["card_number"])).to_be_visible()
    desk.get_by_role("button", name="Approve").click()

    arrive(desk, f"{library.name}: requests")
    expect_message(desk, "is approved; a code was handed over")
    expect(row_of(desk, NEW_READER["full_name"])).to_contain_text("approved")

    follow_menu(home, "My requests")

    arrive(home, "My requests")
    expect(row_of(home, library.name)).to_contain_text("approved")
    open_request_of(home, library.name)

    arrive(home, f"to {library.name}")
    code = home.get_by_role("region", name="Your code")
    expect(code.get_by_text(first.value, exact=True)).to_be_visible()
    expect(
        code.get_by_role("heading", name="How to activate it", level=3)
    ).to_be_visible()
    expect(code.get_by_role("link", name="https://")).to_be_visible()
    expect(home.get_by_role("button", name="Cancel this request")).to_have_count(0)
    screenshot(home, "reader-request-code")
    screenshot(home, "reader-request-code-phone", viewport=axe.PHONE)


def test_reader_reads_why_a_request_was_rejected(open_page, library, reader, librarian):
    """The librarian's reason reaches the reader, on the request's page."""
    services.submit_request(
        reader=reader, library=library, card_number=reader.card_number
    )
    reason = "This card expired in March; renew it at the desk and ask again."

    desk = open_page()
    start_signed_in(desk, librarian.email, f"{library.name}: requests")
    open_request_of(desk, reader.full_name)

    arrive(desk, "Request #")
    desk.get_by_label(label("Reason, for the reader")).fill(reason)
    desk.get_by_role("button", name="Reject").click()

    arrive(desk, f"{library.name}: requests")
    expect_message(desk, "is rejected")
    expect(row_of(desk, reader.full_name)).to_contain_text("rejected")

    home = open_page()
    start_signed_in(home, reader.email, "My requests")
    expect(row_of(home, library.name)).to_contain_text("rejected")
    open_request_of(home, library.name)

    arrive(home, f"to {library.name}")
    expect(
        home.get_by_text("The library did not approve this request.")
    ).to_be_visible()
    expect(home.get_by_text(reason)).to_be_visible()
    expect(home.get_by_role("region", name="Your code")).to_have_count(0)
