"""The reader's whole path with the keyboard alone: Tab, typing, Enter, Space."""

from playwright.sync_api import expect

from requests_app import services
from requests_app.models import CodeRequest
from tests import factories
from tests.e2e.steps import arrive, label

# More presses than any page here needs to reach its last control.
MAX_TABS = 40
NEW_READER = {
    "email": "kim@example.test",
    "full_name": "Kim Lis",
    "card_number": "CARD-771203",
    "password": "turn-the-page-slowly-9",
}


def has_focus(target):
    return target.evaluate("element => element === document.activeElement")


def tab_to(page, target):
    """Press Tab until ``target`` has the focus; fail if it never gets it."""
    expect(target).to_have_count(1)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if has_focus(target):
            expect_visible_focus(target)
            return
    raise AssertionError(f"Tab never reached {target}")


def expect_visible_focus(target):
    """The focused element shows it: a focus ring a sighted person can see."""
    ring = target.evaluate(
        """element => {
            const style = getComputedStyle(element);
            const outline = style.outlineStyle !== "none"
                && parseFloat(style.outlineWidth) >= 2;
            return element.matches(":focus-visible")
                && (outline || style.boxShadow !== "none");
        }"""
    )
    assert ring, f"{target} has the focus but shows no focus ring"


def type_into(page, target, text):
    tab_to(page, target)
    page.keyboard.type(text)


def test_reader_registers_asks_and_reads_the_code_by_keyboard(
    open_page, library, librarian
):
    """Register, ask for a code and open it, never touching the mouse."""
    batch = factories.CodeBatchFactory(library=library)
    code = factories.CodeFactory(batch=batch)
    home = open_page()

    home.goto("/accounts/login/")
    arrive(home, "Sign in")
    tab_to(home, home.get_by_role("link", name="Create an account"))
    home.keyboard.press("Enter")

    arrive(home, "Create a reader's account")
    skip = home.get_by_role("link", name="Skip to content")
    tab_to(home, skip)
    assert skip.bounding_box()["width"] > 20, "the skip link stays hidden on focus"
    home.keyboard.press("Enter")
    home.keyboard.press("Tab")
    assert has_focus(home.get_by_label(label("Email address"))), (
        "the skip link does not lead past the menu to the form"
    )
    home.keyboard.type(NEW_READER["email"])
    type_into(home, home.get_by_label(label("Full name")), NEW_READER["full_name"])
    home_library = home.get_by_label(label("Home library"))
    type_into(home, home_library, library.name)
    expect(home_library).to_have_value(str(library.pk))
    type_into(
        home,
        home.get_by_label(label("Library card number")),
        NEW_READER["card_number"],
    )
    type_into(home, home.get_by_label(label("Password")), NEW_READER["password"])
    type_into(home, home.get_by_label(label("Password again")), NEW_READER["password"])
    tab_to(home, home.get_by_role("button", name="Create account"))
    home.keyboard.press("Space")

    arrive(home, "My requests")
    tab_to(home, home.get_by_role("main").get_by_role("link", name="Ask for a code"))
    home.keyboard.press("Enter")

    arrive(home, "Ask for a code")
    tab_to(home, home.get_by_role("button", name="Ask for a code"))
    home.keyboard.press("Space")

    arrive(home, f"to {library.name}")
    expect(home.get_by_text("Status: pending")).to_be_visible()

    # The librarian's part, which their own journey covers in the browser.
    request = CodeRequest.objects.get(reader__email=NEW_READER["email"])
    services.approve_request(request_id=request.pk, librarian=librarian)

    tab_to(home, home.get_by_role("link", name="My requests", exact=True))
    home.keyboard.press("Enter")

    arrive(home, "My requests")
    tab_to(home, home.get_by_role("link", name=f"Request #{request.pk}"))
    home.keyboard.press("Enter")

    arrive(home, f"to {library.name}")
    expect(
        home.get_by_role("region", name="Your code").get_by_text(code.value)
    ).to_be_visible()
