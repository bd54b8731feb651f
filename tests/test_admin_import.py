import datetime
import html
import io
import re

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from codes.forms_import import PENDING_SALT
from codes.models import Code, CodeBatch, PendingImport
from requests_app import services
from requests_app.models import RequestStatus
from tests import factories

LATER = timezone.localdate() + datetime.timedelta(days=90)
IMPORT_URL = reverse("admin:codes_code_import")
CONFIRM_URL = reverse("admin:codes_code_process_import")
# The positions of the formats in the import form's choice.
CSV, XLSX = "0", "1"


def codes_csv(count, start=1):
    lines = ["code"] + [f"CODE-{number:05d}" for number in range(start, start + count)]
    return "\n".join(lines).encode()


def upload(client, library, data, *, name="codes.csv", file_format=CSV, **fields):
    return client.post(
        IMPORT_URL,
        {
            "resource": "0",
            "format": file_format,
            "import_file": SimpleUploadedFile(name, data),
            "library": library.pk,
            "batch_name": "",
            "valid_until": LATER.isoformat(),
            **fields,
        },
    )


def confirm(client, preview, **kwargs):
    """Post the confirm form the preview rendered, as the browser would."""
    return client.post(
        CONFIRM_URL,
        {**preview.context["confirm_form"].initial, "confirm": "Load"},
        **kwargs,
    )


def import_errors(response):
    found = re.search(
        r'<ul class="errorlist" id="import-errors">(.*?)</ul>', response.text, re.S
    )
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found[1])]


# Preview, then confirm


def test_provider_previews_a_file(provider_client, provider, library):
    response = upload(provider_client, library, codes_csv(3), batch_name="Spring")

    assert response.status_code == 200
    assert "Check, then confirm" in response.text
    assert "Central Library" in response.text and "Spring" in response.text
    assert "CODE-00001" in response.text and "Load 3 codes" in response.text
    assert PendingImport.objects.get().uploaded_by == provider
    assert not Code.objects.exists()


def test_provider_confirms_a_previewed_file(provider_client, provider, library):
    preview = upload(provider_client, library, codes_csv(3), batch_name="Spring")

    response = confirm(provider_client, preview, follow=True)

    batch = CodeBatch.objects.get()
    assert response.redirect_chain == [
        (f"{reverse('admin:codes_code_changelist')}?batch__id__exact={batch.pk}", 302)
    ]
    assert "Batch “Spring”: 3 codes loaded for Central Library." in response.text
    assert "Import finished" not in response.text
    assert (batch.name, batch.library, batch.loaded_by, batch.size) == (
        "Spring",
        library,
        provider,
        3,
    )
    assert (batch.source_name, batch.valid_until) == ("codes.csv", LATER)
    assert batch.codes.count() == 3
    assert not PendingImport.objects.exists()


def test_an_import_writes_one_log_entry_not_one_per_row(provider_client, library):
    preview = upload(provider_client, library, codes_csv(50))

    confirm(provider_client, preview)

    entry = LogEntry.objects.get()
    assert entry.get_change_message() == "Loaded 50 codes from codes.csv."
    assert entry.object_id == str(CodeBatch.objects.get().pk)


def test_the_preview_shows_a_summary_and_only_the_first_rows(provider_client, library):
    data = "\n".join(
        ["code,valid_until"]
        + [f"CODE-{n:05d},{LATER + datetime.timedelta(days=n)}" for n in range(500)]
    ).encode()

    preview = upload(provider_client, library, data)

    assert "The first 20 of 500 codes" in preview.text
    assert "CODE-00019" in preview.text and "CODE-00020" not in preview.text
    assert f"{LATER} to {LATER + datetime.timedelta(days=499)}" in preview.text


def test_an_xlsx_file_loads_through_the_admin(provider_client, library):
    workbook = openpyxl.Workbook()
    workbook.active.append(["code"])
    workbook.active.append(["XLSX-0001"])
    data = io.BytesIO()
    workbook.save(data)

    preview = upload(
        provider_client, library, data.getvalue(), name="c.xlsx", file_format=XLSX
    )
    confirm(provider_client, preview)

    assert list(Code.objects.values_list("value", flat=True)) == ["XLSX-0001"]


def test_a_file_with_bad_rows_lists_them_and_stores_nothing(provider_client, library):
    data = b"code\nCODE-00001\n\nAB\ncode-00001\n"

    response = upload(provider_client, library, data)

    assert response.status_code == 200
    assert "Nothing was loaded: 2 problems." in response.text
    assert import_errors(response) == [
        "Line 4: 'AB' is too short: a code is 4 to 64 letters A-Z, digits or dashes.",
        "Line 5: 'code-00001' repeats the code on line 2.",
    ]
    assert response.context.get("confirm_form") is None
    assert not PendingImport.objects.exists()
    assert not Code.objects.exists()


def test_a_long_error_list_is_cut_short_but_counted(provider_client, library):
    data = ("code\n" + "AB\n" * 150).encode()

    response = upload(provider_client, library, data)

    assert "Nothing was loaded: 150 problems." in response.text
    assert "Line 101:" in response.text and "Line 102:" not in response.text
    assert "… and 50 more." in response.text


def test_a_picture_gets_one_sentence(provider_client, library):
    response = upload(provider_client, library, b"\x89PNG\r\n\x1a\n\x00\x00")

    assert response.status_code == 200
    assert "The file is a PNG picture, not a CSV or XLSX table of codes." in (
        response.text
    )
    assert not PendingImport.objects.exists()


def test_a_file_over_the_limit_is_refused(provider_client, library, settings):
    settings.CODE_IMPORT_MAX_BYTES = 100

    response = upload(provider_client, library, codes_csv(50))

    assert response.status_code == 200
    assert "a code file may be at most 100 bytes" in response.text
    assert not PendingImport.objects.exists()


def test_a_new_upload_deletes_uploads_left_unconfirmed_for_a_day(
    provider_client, provider, library
):
    stale = PendingImport.objects.create(
        uploaded_by=provider,
        file_name="old.csv",
        data=b"code\n",
        library=library,
        batch_name="old",
        created_at=timezone.now() - datetime.timedelta(days=2),
    )

    upload(provider_client, library, codes_csv(1))

    assert not PendingImport.objects.filter(pk=stale.pk).exists()
    assert PendingImport.objects.count() == 1


# Confirmations that must not load


def test_a_confirm_fails_whole_when_a_code_appeared_since_the_preview(
    provider_client, library
):
    preview = upload(provider_client, library, codes_csv(3))
    factories.CodeFactory(value="code-00002")

    response = confirm(provider_client, preview)

    assert response.status_code == 200
    assert "Nothing was loaded: 1 problem." in response.text
    assert import_errors(response) == ["Line 3: 'CODE-00002' is already loaded."]
    assert "Import finished" not in response.text
    assert list(Code.objects.values_list("value", flat=True)) == ["code-00002"]
    assert CodeBatch.objects.count() == 1
    assert not LogEntry.objects.exists()


def test_a_confirm_loads_once(provider_client, library):
    preview = upload(provider_client, library, codes_csv(3))

    first = confirm(provider_client, preview)
    second = confirm(provider_client, preview)

    assert first.status_code == 302
    assert "This upload cannot be confirmed" in second.text
    assert Code.objects.count() == 3


@pytest.mark.parametrize(
    "file_name",
    ["../../etc/passwd", "1", "c2VjcmV0", signing.dumps(1, salt="other")],
)
def test_a_made_up_upload_name_is_refused(provider_client, library, file_name):
    preview = upload(provider_client, library, codes_csv(3))

    response = provider_client.post(
        CONFIRM_URL,
        {**preview.context["confirm_form"].initial, "import_file_name": file_name},
    )

    assert response.status_code == 200
    assert "This upload cannot be confirmed" in response.text
    assert not Code.objects.exists()
    assert PendingImport.objects.count() == 1


def test_one_user_cannot_confirm_anothers_upload(provider_client, library):
    preview = upload(provider_client, library, codes_csv(3))
    colleague = Client()
    colleague.force_login(factories.ProviderFactory(email="colleague@provider.test"))

    response = confirm(colleague, preview)

    assert "This upload cannot be confirmed" in response.text
    assert not Code.objects.exists()
    assert PendingImport.objects.count() == 1


def test_the_upload_name_is_signed_with_the_pending_uploads_id(
    provider_client, library
):
    preview = upload(provider_client, library, codes_csv(1))

    token = preview.context["confirm_form"].initial["import_file_name"]

    assert signing.loads(token, salt=PENDING_SALT) == PendingImport.objects.get().pk


# Who may reach the code admin


ADMIN_PAGES = [
    reverse("admin:codes_code_changelist"),
    reverse("admin:codes_codebatch_changelist"),
    IMPORT_URL,
]


@pytest.fixture
def plain_staff_client(db):
    client = Client()
    client.force_login(factories.StaffFactory())
    return client


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize(
    ("client_name", "status"),
    [
        ("anonymous_client", 302),
        ("reader_client", 302),
        ("librarian_client", 302),
        ("plain_staff_client", 403),
        ("provider_client", 200),
        ("superuser_client", 200),
    ],
)
def test_only_provider_staff_and_superusers_reach_the_code_admin(
    db, request, url, client_name, status
):
    client = request.getfixturevalue(client_name)

    response = client.get(url)

    assert response.status_code == status
    if status == 302:
        assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "client_name", ["reader_client", "librarian_client", "plain_staff_client"]
)
def test_others_cannot_upload_or_confirm(request, client_name, provider, library):
    client = request.getfixturevalue(client_name)
    pending = PendingImport.objects.create(
        uploaded_by=provider,
        file_name="codes.csv",
        data=codes_csv(2),
        library=library,
        batch_name="codes",
        valid_until=LATER,
    )
    token = signing.dumps(pending.pk, salt=PENDING_SALT)

    uploaded = upload(client, library, codes_csv(2))
    confirmed = client.post(
        CONFIRM_URL,
        {
            "import_file_name": token,
            "original_file_name": "codes.csv",
            "format": CSV,
            "resource": "0",
        },
    )

    assert uploaded.status_code in (302, 403)
    assert confirmed.status_code in (302, 403)
    assert PendingImport.objects.count() == 1
    assert not Code.objects.exists()


def test_the_import_button_shows_to_provider_staff(provider_client):
    provider_page = provider_client.get(reverse("admin:codes_code_changelist"))
    batches_page = provider_client.get(reverse("admin:codes_codebatch_changelist"))

    assert IMPORT_URL in provider_page.text
    assert IMPORT_URL in batches_page.text


def test_view_only_staff_see_no_import_button(db):
    viewer = factories.StaffFactory(
        permissions=["codes.view_code", "codes.view_codebatch"]
    )
    client = Client()
    client.force_login(viewer)

    page = client.get(reverse("admin:codes_code_changelist"))
    refused = client.get(IMPORT_URL)

    assert page.status_code == 200 and IMPORT_URL not in page.text
    assert refused.status_code == 403


@pytest.mark.parametrize("client_name", ["provider_client", "superuser_client"])
def test_codes_cannot_be_added_changed_or_deleted_in_the_admin(
    db, request, client_name
):
    client = request.getfixturevalue(client_name)
    code = factories.CodeFactory()

    add = client.get(reverse("admin:codes_code_add"))
    change = client.post(
        reverse("admin:codes_code_change", args=[code.pk]), {"status": "void"}
    )
    delete = client.post(
        reverse("admin:codes_code_delete", args=[code.pk]), {"post": "yes"}
    )

    assert (add.status_code, change.status_code, delete.status_code) == (
        403,
        403,
        403,
    )
    code.refresh_from_db()
    assert code.status == "available"


def test_the_code_admin_has_no_export():
    with pytest.raises(NoReverseMatch):
        reverse("admin:codes_code_export")


def test_the_search_finds_a_code_in_any_letter_case(provider_client):
    factories.CodeFactory(value="ABCD-0001")
    factories.CodeFactory(value="ABCD-0002")

    response = provider_client.get(
        reverse("admin:codes_code_changelist"), {"q": "abcd-0001"}
    )

    assert [code.value for code in response.context["cl"].result_list] == ["ABCD-0001"]


def test_the_import_pages_run_no_inline_script(provider_client, library):
    form = provider_client.get(IMPORT_URL)
    preview = upload(provider_client, library, codes_csv(2))

    for response in (form, preview):
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
        assert not re.search(r"\son[a-z]+=", response.text)


def test_confirmed_codes_go_to_the_librarys_waitlist(
    provider_client, library, librarian, reader, django_capture_on_commit_callbacks
):
    waiting = factories.CodeRequestFactory(reader=reader)
    services.approve_request(request_id=waiting.pk, librarian=librarian)
    preview = upload(provider_client, library, codes_csv(2))

    with django_capture_on_commit_callbacks(execute=True):
        confirm(provider_client, preview)

    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.APPROVED
    assert waiting.code.value == "CODE-00001"
