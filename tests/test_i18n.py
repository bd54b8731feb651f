"""Polish and English: pages, forms, mails, plurals and the catalogue itself."""

import ast
import datetime
import html
import re
from pathlib import Path
from types import SimpleNamespace

import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.template.base import Lexer, TokenType
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation.template import templatize

from codes import importing
from requests_app import services
from requests_app.models import RequestStatus
from tests import factories

PO_PATH = settings.BASE_DIR / "locale" / "pl" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
POLISH_PLURALS = (
    "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")
LOCAL_APPS = {"accounts", "codes", "requests_app"}
POLISH = {"HTTP_ACCEPT_LANGUAGE": "pl-PL,pl;q=0.9,en;q=0.5"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture(autouse=True)
def language_restored():
    """A request activates its language in the test's thread; put it back."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def code_request(reader, library):
    return factories.CodeRequestFactory(reader=reader, library=library)


# Pages and forms


def test_a_polish_browser_gets_the_request_form_in_polish(reader_client):
    response = reader_client.get("/requests/new/", **POLISH)

    assert response.status_code == 200
    assert '<html lang="pl">' in response.text
    assert "Poproś o kod" in response.text
    assert "Numer karty bibliotecznej" in response.text
    assert "Ask for a code" not in response.text


def test_an_english_browser_gets_the_request_form_in_english(reader_client):
    response = reader_client.get("/requests/new/", **ENGLISH)

    assert '<html lang="en">' in response.text
    assert "Ask for a code" in response.text
    assert "Poproś o kod" not in response.text


def test_a_browser_without_a_language_gets_english(anonymous_client):
    response = anonymous_client.get("/accounts/login/")

    assert '<html lang="en">' in response.text
    assert "Sign in" in response.text


def test_a_registration_error_is_in_polish(anonymous_client, library):
    data = {
        "email": "nowa@example.test",
        "full_name": "Nowa Czytelniczka",
        "home_library": library.pk,
        "card_number": "0123-4567",
        "password1": "Zakładka-2026-wiosna",
        "password2": "Zakładka-2026-lato",
    }

    response = anonymous_client.post("/accounts/register/", data, **POLISH)

    assert response.status_code == 200
    assert "Podane hasła nie są takie same." in response.text
    assert "The two passwords do not match." not in response.text


def test_a_registration_error_is_in_english(anonymous_client, library):
    response = anonymous_client.post(
        "/accounts/register/", {"home_library": library.pk}, **ENGLISH
    )

    assert "This field is required." in response.text
    assert "To pole jest wymagane." not in response.text


def test_the_footer_switches_the_language_with_a_post_form(anonymous_client):
    response = anonymous_client.get("/accounts/login/")

    form = re.search(
        r'<form method="post" action="/i18n/setlang/".*?</form>', response.text, re.S
    )
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group()
    assert '<label for="language-select">' in form.group()
    assert '<option value="pl" lang="pl">Polski</option>' in form.group()


def test_a_switched_language_stays_for_the_next_pages(anonymous_client, db):
    switched = anonymous_client.post(
        "/i18n/setlang/", {"language": "pl", "next": "/accounts/login/"}, **ENGLISH
    )
    login = anonymous_client.get("/accounts/login/", **ENGLISH)
    register = anonymous_client.get("/accounts/register/", **ENGLISH)

    assert switched.status_code == 302
    assert switched.url == "/accounts/login/"
    assert '<html lang="pl">' in login.text
    assert "Zaloguj się" in login.text
    assert "Załóż konto czytelnika" in register.text
    assert 'value="pl" lang="pl" selected' in register.text


def test_switching_back_to_english_works_the_same_way(anonymous_client):
    anonymous_client.post("/i18n/setlang/", {"language": "pl"})

    anonymous_client.post("/i18n/setlang/", {"language": "en"}, **POLISH)
    page = anonymous_client.get("/accounts/login/", **POLISH)

    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text


def test_a_page_outside_the_base_layout_follows_the_language_too():
    with translation.override("pl"):
        page = render_to_string("503.html")

    assert '<html lang="pl">' in page
    assert "codeshare zaraz wróci" in page


# Mails


def approve_in_polish(librarian_client, code_request, capture_on_commit):
    """Approve from a Polish page; send the mails after commit, in English."""
    with capture_on_commit() as callbacks:
        librarian_client.post(
            f"/library/requests/{code_request.pk}/", {"action": "approve"}, **POLISH
        )
    # Sent after commit, whatever language is active by then.
    with translation.override("en"):
        for callback in callbacks:
            callback()


def test_a_decision_mail_is_in_polish_when_the_librarian_works_in_polish(
    librarian_client, code_request, django_capture_on_commit_callbacks
):
    factories.CodeFactory(
        batch=factories.CodeBatchFactory(library=code_request.library)
    )
    approve_in_polish(
        librarian_client, code_request, django_capture_on_commit_callbacks
    )

    decision = next(m for m in mail.outbox if m.to == [code_request.reader.email])
    assert decision.subject == "Twój kod jest gotowy (Central Library)"
    assert decision.body.startswith(f"Dzień dobry, {code_request.reader.full_name}!")
    assert "Zaloguj się, aby zobaczyć kod" in decision.body
    assert f"/requests/{code_request.pk}/" in decision.body


def test_a_decision_mail_is_in_english_when_the_librarian_works_in_english(
    librarian_client, code_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        librarian_client.post(
            f"/library/requests/{code_request.pk}/",
            {"action": "reject", "reason": "Karta wygasła w maju."},
            **ENGLISH,
        )

    [decision] = mail.outbox
    assert decision.subject == "Your request to Central Library was not approved"
    assert "The library's reason: Karta wygasła w maju." in decision.body


def test_a_mail_sent_outside_a_request_is_in_the_default_language(
    code_request, librarian, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_request(request_id=code_request.pk, librarian=librarian)

    [decision] = mail.outbox
    assert decision.subject == "Your request to Central Library is on the waitlist"


def test_a_low_pool_mail_is_in_the_language_it_was_queued_in(
    librarian_client, code_request, django_capture_on_commit_callbacks
):
    library = code_request.library
    # Five codes, the library's mark: the approval takes the pool below it.
    factories.CodeFactory.create_batch(
        5, batch=factories.CodeBatchFactory(library=library)
    )
    approve_in_polish(
        librarian_client, code_request, django_capture_on_commit_callbacks
    )

    [warning] = [m for m in mail.outbox if m.to == [library.contact_email]]
    assert warning.subject == "Central Library: zostały tylko 4 kody"
    assert "zostały 4 kody, mniej niż próg ostrzegawczy 5" in warning.body


def test_a_password_reset_mail_is_in_the_language_of_the_page(anonymous_client, reader):
    anonymous_client.post(
        "/accounts/password_reset/", {"email": reader.email}, **POLISH
    )

    [reset] = mail.outbox
    assert reset.subject == "codeshare: ustaw nowe hasło"
    assert reset.body.startswith("Dzień dobry,")
    assert "Jeśli to nie ty, zignoruj tę wiadomość" in reset.body


# Plural forms and statuses


@pytest.mark.parametrize(
    ("count", "subject"),
    [
        (1, "Central Library: został tylko 1 kod"),
        (2, "Central Library: zostały tylko 2 kody"),
        (5, "Central Library: zostało tylko 5 kodów"),
        (12, "Central Library: zostało tylko 12 kodów"),
        (22, "Central Library: zostały tylko 22 kody"),
        (25, "Central Library: zostało tylko 25 kodów"),
    ],
)
def test_a_template_counts_codes_in_the_three_polish_forms(library, count, subject):
    context = {"library": library, "remaining": count}

    with translation.override("pl"):
        rendered = render_to_string("requests_app/mail/low_pool_subject.txt", context)

    assert rendered.strip() == subject


@pytest.mark.parametrize(
    ("length", "characters"),
    [(65, "65 znaków"), (72, "72 znaki"), (102, "102 znaki"), (112, "112 znaków")],
)
def test_python_code_counts_in_the_three_polish_forms(length, characters):
    valid_until = datetime.date.today() + datetime.timedelta(days=30)

    with translation.override("pl"):
        checked = importing.check_code_values(["A" * length], valid_until=valid_until)

    [error] = checked.errors
    assert f"jest za długi ({characters}):" in error.message


@pytest.mark.parametrize(
    ("count", "heading"),
    [
        (1, "1 kod unieważniony"),
        (3, "3 kody unieważnione"),
        (5, "5 kodów unieważnionych"),
    ],
)
def test_a_summary_counts_codes_in_polish(count, heading):
    summary = SimpleNamespace(changed=count, already=0, refused=[], not_found=[])

    with translation.override("pl"):
        rendered = render_to_string(
            "codes/partials/change_summary.html", {"summary": summary, "action": "void"}
        )

    assert heading in " ".join(rendered.split())


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("available", "dostępny"),
        ("assigned", "przydzielony"),
        ("redeemed", "wykorzystany"),
        ("expired", "wygasły"),
        ("void", "unieważniony"),
    ],
)
def test_a_code_status_is_shown_in_polish(status, label):
    with translation.override("pl"):
        rendered = render_to_string(
            "codes/partials/code_status.html", {"status": status}
        )

    assert rendered.strip() == label


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("pending", "oczekujący"),
        ("approved", "zatwierdzony"),
        ("waitlisted", "na liście oczekujących"),
        ("rejected", "odrzucony"),
        ("cancelled", "anulowany"),
    ],
)
def test_a_request_status_has_its_polish_label(status, label):
    with translation.override("pl"):
        translated = str(RequestStatus(status).label)

    assert translated == label


def test_the_admin_names_the_columns_of_a_code_list_in_polish(provider_client, library):
    factories.CodeFactory(library=library)

    response = provider_client.get("/admin/codes/code/", **POLISH)

    assert response.status_code == 200
    for heading in ("Wartość", "Biblioteka", "Partia", "Data ważności", "Status"):
        assert heading in response.text
    assert "Valid until" not in response.text


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in LOCAL_APPS]
)
def test_every_field_the_admin_shows_is_named_for_translation(model):
    untranslated = [
        field.name
        for field in model._meta.get_fields()
        if field.concrete
        and not field.auto_created
        and not isinstance(field.verbose_name, Promise)
    ]

    assert untranslated == []
    assert isinstance(model._meta.verbose_name, Promise)
    assert isinstance(model._meta.verbose_name_plural, Promise)


# The catalogue


def catalogue():
    return polib.pofile(str(PO_PATH))


def test_the_catalogue_counts_in_three_polish_forms():
    assert catalogue().metadata["Plural-Forms"] == POLISH_PLURALS


def test_every_message_has_a_finished_polish_translation():
    unfinished = [
        entry.msgid
        for entry in catalogue()
        if not entry.obsolete
        and (
            "fuzzy" in entry.flags
            or not (
                all(entry.msgstr_plural.values()) and len(entry.msgstr_plural) == 3
                if entry.msgid_plural
                else entry.msgstr
            )
        )
    ]

    assert unfinished == []


def test_every_translation_keeps_the_placeholders_of_its_message():
    broken = []
    for entry in catalogue():
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        broken += [
            (entry.msgid, form)
            for form in forms
            if set(PLACEHOLDER.findall(form)) != wanted
        ]

    assert broken == []


def test_the_compiled_catalogue_matches_its_source():
    """A missing or stale .mo fails: `make catalogues` writes a fresh one."""
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run `make catalogues`"
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalogue().translated_entries()
    }
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in polib.mofile(str(MO_PATH))
        if entry.msgid
    }

    assert compiled == source, f"{MO_PATH} is stale: run `make catalogues`"


# Every string in the code is translated


PROJECT_DIRS = [
    settings.BASE_DIR / name
    for name in ("accounts", "codes", "requests_app", "codeshare")
]
# Names of brands and formats that stay as they are in every language.
UNTRANSLATED_WORDS = {"codeshare", "EmpikGo", "CSV", "XLSX"}
# Attributes whose value a person reads or hears.
READ_ATTRIBUTES = {"alt", "aria-label", "placeholder", "title"}
GETTEXT_CALL = re.compile(
    r"\b(gettext|pgettext|ngettext|npgettext)\("
    r"""((?:u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?:, )?)+)"""
)
STRING = re.compile(r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
PYTHON_GETTEXT = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def template_files():
    """The project's own templates: the shared folder and each app's."""
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [folder / "templates" for folder in PROJECT_DIRS]
    for folder in folders:
        yield from sorted(path for path in folder.rglob("*") if path.is_file())


def visible_text(source):
    """The text of ``source`` that no translation tag or comment holds."""
    parts, inside = [], 0
    for token in Lexer(source).tokenize():
        name = token.split_contents()[0] if token.token_type == TokenType.BLOCK else ""
        if name in ("blocktranslate", "blocktrans", "comment"):
            inside += 1
        elif name in ("endblocktranslate", "endblocktrans", "endcomment"):
            inside -= 1
        # A tag or variable leaves a gap, so that words never join across it.
        parts.append(
            token.contents if token.token_type == TokenType.TEXT and not inside else " "
        )
    return "".join(parts)


def untranslated_words(source):
    text = re.sub(r"<!--.*?-->", " ", visible_text(source), flags=re.S)
    words = []
    for tag in re.findall(r"<[^>]*>", text):
        for name, value in re.findall(r'([\w:-]+)\s*=\s*"([^"]*)"', tag):
            button = re.search(r'type="(submit|button|reset)"', tag)
            if name in READ_ATTRIBUTES or (name == "value" and button):
                words += re.findall(r"[^\W\d_]+", html.unescape(value))
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&(#\d+|#x[0-9a-fA-F]+|\w+);", " ", text)
    words += re.findall(r"[^\W\d_]+", text)
    return [word for word in words if word not in UNTRANSLATED_WORDS]


def test_no_template_shows_text_outside_a_translation_tag():
    found = {
        str(path.relative_to(settings.BASE_DIR)): words
        for path in template_files()
        if (words := untranslated_words(path.read_text()))
    }

    assert found == {}


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("<p>Hello</p>", ["Hello"]),
        ('<p>{% translate "Hello" %}</p>', []),
        ("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}", []),
        ('<nav aria-label="Main">', ["Main"]),
        ('<input type="submit" value="Go">', ["Go"]),
        ('<input type="hidden" name="next" value="here">', []),
        ("{% comment %}Notes{% endcomment %}&larr; codeshare", []),
    ],
)
def test_the_template_check_finds_what_a_person_would_read(source, words):
    assert untranslated_words(source) == words


def template_messages(path):
    """(context, msgid) of every string a template gives for translation."""
    for match in GETTEXT_CALL.finditer(templatize(path.read_text(), origin=str(path))):
        strings = [ast.literal_eval(text) for text in STRING.findall(match.group(2))]
        context = strings.pop(0) if match.group(1).startswith(("p", "np")) else None
        yield context, strings[0]


def python_messages(path):
    """(context, msgid) of every literal string the module gives for translation."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name not in PYTHON_GETTEXT:
            continue
        context_at, msgid_at = PYTHON_GETTEXT[name]
        args = [
            arg.value if isinstance(arg, ast.Constant) else None for arg in node.args
        ]
        if len(args) > msgid_at and isinstance(args[msgid_at], str):
            yield (args[context_at] if context_at is not None else None), args[msgid_at]


def python_files():
    for folder in PROJECT_DIRS:
        for path in sorted(folder.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_every_string_given_for_translation_is_in_the_catalogue():
    """A new string fails here until `make messages` and a translation add it."""
    translated = {
        (entry.msgctxt, entry.msgid) for entry in catalogue().translated_entries()
    }
    given = {
        (message, str(path.relative_to(settings.BASE_DIR)))
        for path in template_files()
        for message in template_messages(path)
    } | {
        (message, str(path.relative_to(settings.BASE_DIR)))
        for path in python_files()
        for message in python_messages(path)
    }

    assert (
        sorted((path, message) for message, path in given if message not in translated)
        == []
    )
