import datetime
import io
import logging

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from codes import importing
from codes.importing import database
from codes.models import Code, CodeBatch, CodeStatus, PendingImport
from codes.signals import codes_loaded
from tests import factories

TODAY = timezone.localdate()
LATER = TODAY + datetime.timedelta(days=90)
MUCH_LATER = TODAY + datetime.timedelta(days=400)
PAST = TODAY - datetime.timedelta(days=1)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f"
    b"\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def csv_file(*lines, encoding="utf-8"):
    return "\r\n".join(lines).encode(encoding)


def xlsx_file(*rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def load(data, library, *, valid_until=LATER, file_name="codes.csv", **kwargs):
    return importing.import_code_file(
        data, file_name, library=library, valid_until=valid_until, **kwargs
    )


def messages(result):
    return [str(error) for error in result.errors]


@pytest.fixture
def signals():
    sent = []

    def receiver(sender, **kwargs):
        sent.append((sender, kwargs))

    codes_loaded.connect(receiver)
    yield sent
    codes_loaded.disconnect(receiver)


# Loading


def test_it_loads_a_file_as_one_batch_recording_who_and_what(library, provider):
    data = csv_file("code", "ABCD-0001", "abcd-0002", "  EFGH0003  ")

    result = load(data, library, loaded_by=provider, batch_name="Spring")

    assert result.ok and result.errors == []
    batch = CodeBatch.objects.get()
    assert result.batch == batch and result.count == 3
    assert (batch.name, batch.library, batch.valid_until) == ("Spring", library, LATER)
    assert (batch.loaded_by, batch.source_name, batch.size) == (
        provider,
        "codes.csv",
        3,
    )
    assert sorted(batch.codes.values_list("value", flat=True)) == [
        "ABCD-0001",
        "EFGH0003",
        "abcd-0002",
    ]
    assert set(Code.objects.values_list("library", "status", "valid_until")) == {
        (library.pk, CodeStatus.AVAILABLE, LATER)
    }


def test_the_batch_is_named_after_the_file_by_default(library):
    result = load(csv_file("code", "ABCD-0001"), library, file_name="march.csv")

    assert result.batch.name == "march.csv"


def test_it_finds_the_code_column_in_any_case_and_ignores_the_others(library):
    data = csv_file("Owner,CODE,Note", "Ann,ABCD-0001,first", "Bob,ABCD-0002,")

    result = load(data, library)

    assert result.ok
    assert set(Code.objects.values_list("value", flat=True)) == {
        "ABCD-0001",
        "ABCD-0002",
    }


def test_a_valid_until_column_overrides_the_batch_date_row_by_row(library):
    data = csv_file(
        "code,valid_until",
        f"ABCD-0001,{MUCH_LATER.isoformat()}",
        "ABCD-0002,",
    )

    result = load(data, library)

    assert result.ok
    assert dict(Code.objects.values_list("value", "valid_until")) == {
        "ABCD-0001": MUCH_LATER,
        "ABCD-0002": LATER,
    }
    assert result.batch.valid_until == LATER


def test_without_a_batch_date_every_row_needs_its_own(library):
    dated = csv_file(
        "code,valid_until",
        f"ABCD-0001,{LATER.isoformat()}",
        f"ABCD-0002,{MUCH_LATER.isoformat()}",
    )
    undated = csv_file("code,valid_until", f"ABCD-0003,{LATER.isoformat()}", "X-04,")
    no_column = csv_file("code", "ABCD-0005")

    loaded = load(dated, library, valid_until=None)
    missing = load(undated, library, valid_until=None)
    refused = load(no_column, library, valid_until=None)

    assert loaded.ok and loaded.batch.valid_until == MUCH_LATER
    assert messages(missing) == ["Line 3: no valid_until and no batch date."]
    assert messages(refused) == [
        "The file has no 'valid_until' column, so the batch needs a valid-until date."
    ]
    assert Code.objects.count() == 2


def test_it_reads_semicolon_separated_files(library):
    data = csv_file("code;valid_until", f"ABCD-0001;{MUCH_LATER.isoformat()}")

    result = load(data, library)

    assert result.ok
    assert Code.objects.get().valid_until == MUCH_LATER


def test_it_reads_utf8_with_a_byte_order_mark(library):
    data = "\ufeffcode,note\nABCD-0001,zażółć\n".encode()

    result = load(data, library)

    assert result.ok
    assert Code.objects.get().value == "ABCD-0001"


def test_it_reads_windows_1250_with_polish_letters_in_another_column(library):
    data = csv_file(
        "kod;code;właściciel",
        "1;ABCD-0001;Łucja Gęś",
        "2;ABCD-0002;Źdźbło Żółć",
        encoding="cp1250",
    )

    result = load(data, library)

    assert result.ok and result.count == 2


def test_it_reads_the_first_sheet_of_an_xlsx_workbook(library):
    data = xlsx_file(
        ["Code", "valid_until", "note"],
        ["ABCD-0001", datetime.datetime.combine(MUCH_LATER, datetime.time()), "x"],
        [12345678, None, None],
        [None, None, None],
        ["ABCD-0003", MUCH_LATER.isoformat(), None],
    )

    result = load(data, library, file_name="codes.xlsx")

    assert result.ok
    assert dict(Code.objects.values_list("value", "valid_until")) == {
        "ABCD-0001": MUCH_LATER,
        "12345678": LATER,
        "ABCD-0003": MUCH_LATER,
    }


def test_it_loads_from_a_file_object_and_leaves_it_open(library, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_bytes(csv_file("code", "ABCD-0001"))

    with path.open("rb") as source:
        result = load(source, library)
        still_open = not source.closed

    assert result.ok and still_open


def test_it_loads_an_uploaded_file(library):
    upload = SimpleUploadedFile("codes.csv", csv_file("code", "ABCD-0001"))

    result = load(upload, library)

    assert result.ok and result.count == 1


# Refusing bad rows: nothing loads, every bad row is named by its line.


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (
            ["code,note", "ABCD-0001,a", '"   ",a note'],
            "Line 3: the code is empty.",
        ),
        (
            ["code,note", "ABCD-0001,a", ",only a note"],
            "Line 3: the code is empty.",
        ),
        (
            ["code", "ABCD-0001", "ABC D-2"],
            "Line 3: 'ABC D-2' has characters a code cannot have: a code is 4 to "
            "64 letters A-Z, digits or dashes.",
        ),
        (
            ["code", "ABCD-0001", "ABĆD-0002"],
            "Line 3: 'ABĆD-0002' has characters a code cannot have: a code is 4 "
            "to 64 letters A-Z, digits or dashes.",
        ),
        (
            ["code", "ABCD-0001", "ABCD" * 16 + "E"],
            "Line 3: 'ABCDABCDABCDABCDABCDABC…' is too long (65 characters): a "
            "code is 4 to 64 letters A-Z, digits or dashes.",
        ),
        (
            ["code", "ABCD-0001", "ABC"],
            "Line 3: 'ABC' is too short: a code is 4 to 64 letters A-Z, digits or "
            "dashes.",
        ),
        (
            ["code", "ABCD-0001", "abcd-0001"],
            "Line 3: 'abcd-0001' repeats the code on line 2.",
        ),
        (
            ["code,valid_until", "ABCD-0001,2030-02-30"],
            "Line 2: valid_until '2030-02-30' is not a date.",
        ),
        (
            ["code,valid_until", "ABCD-0001,30.01.2030"],
            "Line 2: valid_until '30.01.2030' is not a date as YYYY-MM-DD.",
        ),
        (
            ["code,valid_until", f"ABCD-0001,{PAST.isoformat()}"],
            f"Line 2: valid_until {PAST.isoformat()} is in the past.",
        ),
    ],
    ids=[
        "empty value",
        "other cells but no code",
        "space",
        "letter outside A-Z",
        "too long",
        "too short",
        "duplicate within the file",
        "no such day",
        "not YYYY-MM-DD",
        "past date",
    ],
)
def test_a_bad_row_refuses_the_whole_file(library, lines, error):
    result = load(csv_file(*lines), library)

    assert not result.ok
    assert messages(result) == [error]
    assert not CodeBatch.objects.exists()
    assert not Code.objects.exists()


def test_a_batch_date_in_the_past_refuses_the_file(library):
    result = load(csv_file("code", "ABCD-0001"), library, valid_until=PAST)

    assert messages(result) == [
        f"The batch's valid-until date {PAST.isoformat()} is in the past."
    ]
    assert not Code.objects.exists()


def test_codes_already_loaded_are_refused_whatever_their_letter_case(library):
    factories.CodeFactory(value="ABCD-0001", batch__library=library)
    data = csv_file("code", "EFGH-0001", "abcd-0001")

    result = load(data, library)

    assert messages(result) == ["Line 3: 'ABCD-0001' is already loaded."]
    assert list(Code.objects.values_list("value", flat=True)) == ["ABCD-0001"]
    assert CodeBatch.objects.count() == 1


def test_every_bad_row_is_named_and_counted(library):
    factories.CodeFactory(value="LOADED-01")
    data = csv_file(
        "code,valid_until",
        "ABCD-0001,",
        "AB,",
        "loaded-01,",
        "ABCD-0001,",
        f"EFGH-0001,{PAST.isoformat()}",
        "efgh-0001,",
    )

    result = load(data, library)

    assert messages(result) == [
        "Line 3: 'AB' is too short: a code is 4 to 64 letters A-Z, digits or dashes.",
        "Line 4: 'LOADED-01' is already loaded.",
        "Line 5: 'ABCD-0001' repeats the code on line 2.",
        f"Line 6: valid_until {PAST.isoformat()} is in the past.",
        "Line 7: 'efgh-0001' repeats the code on line 6.",
    ]
    assert Code.objects.count() == 1


def test_blank_lines_are_skipped_and_lines_keep_the_files_numbers(library):
    data = csv_file("code,note", "", "ABCD-0001,x", "   ", ",", "AB,y", "")

    result = load(data, library)

    assert messages(result) == [
        "Line 6: 'AB' is too short: a code is 4 to 64 letters A-Z, digits or dashes."
    ]


def test_blank_xlsx_rows_keep_the_sheets_row_numbers(library):
    data = xlsx_file(["code"], ["ABCD-0001"], [None], [None], ["AB"])

    result = load(data, library, file_name="codes.xlsx")

    assert [error.line for error in result.errors] == [5]
    assert not Code.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (PNG, "The file is a PNG picture, not a CSV or XLSX table of codes."),
        (b"", "The file is empty."),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None),
        (
            b"code\x00\x01\x02\xff",
            "The file is not a text (CSV) file or an XLSX workbook.",
        ),
        (
            csv_file("number,valid_until", "ABCD-0001,"),
            "The first line names no 'code' column (it names 'number', 'valid_until').",
        ),
        (
            csv_file("", "ABCD-0001"),
            "The first line names no 'code' column; it is blank.",
        ),
        (
            b"PK\x03\x04 not really a workbook",
            "The file could not be read as an XLSX workbook.",
        ),
        (b"code\n\x81\x83\x88\n", "The file is neither UTF-8 nor Windows-1250 text."),
    ],
    ids=[
        "picture",
        "empty file",
        "gif",
        "old xls",
        "binary",
        "no code column",
        "blank header",
        "corrupt xlsx",
        "no known encoding",
    ],
)
def test_a_file_that_is_not_a_table_gets_one_clear_sentence(library, data, error):
    result = load(data, library)

    assert len(result.errors) == 1
    assert result.errors[0].line is None
    assert error is None or messages(result) == [error]
    assert not Code.objects.exists()


def test_a_header_without_codes_is_refused(library):
    result = load(csv_file("code", "", ""), library)

    assert messages(result) == ["The file has no codes."]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(library, settings):
    settings.CODE_IMPORT_MAX_BYTES = 2**20

    class HugeUpload:
        name = "huge.csv"
        size = 2**20 + 1

        def read(self, *args):
            raise AssertionError("read")

        seek = tell = read

    result = load(HugeUpload(), library)

    assert messages(result) == [
        "The file is 1.0 MB; a code file may be at most 1.0 MB. Split it into "
        "smaller files."
    ]
    assert not Code.objects.exists()


# The transaction and its aftermath


def test_a_code_loaded_by_someone_else_meanwhile_refuses_the_file(library):
    checked = importing.check_code_file(
        csv_file("code", "ABCD-0001", "ABCD-0002"), "codes.csv", valid_until=LATER
    )
    factories.CodeFactory(value="abcd-0002")

    result = importing.load_codes(checked, library=library)

    assert checked.ok and not result.ok
    assert messages(result) == ["Line 3: 'ABCD-0002' is already loaded."]
    assert list(Code.objects.values_list("value", flat=True)) == ["abcd-0002"]
    assert CodeBatch.objects.count() == 1


def test_a_refused_insert_that_names_no_row_still_reads_as_an_error(
    library, monkeypatch
):
    checked = importing.check_code_file(
        csv_file("code", "ABCD-0001"), "codes.csv", valid_until=LATER
    )
    factories.CodeFactory(value="ABCD-0001")
    monkeypatch.setattr(database, "find_loaded", lambda keys: iter(()))

    result = importing.load_codes(checked, library=library)

    assert not result.ok
    assert "Nothing was loaded" in messages(result)[0]
    assert Code.objects.count() == 1


def test_a_load_wakes_the_librarys_waitlist_once_committed(
    library, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = load(csv_file("code", "ABCD-0001"), library)

    assert signals == [
        (CodeBatch, {"signal": codes_loaded, "batch": result.batch, "library": library})
    ]


def test_a_refused_file_wakes_nobody(
    library, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        load(csv_file("code", "AB"), library)

    assert signals == [] and callbacks == []


def test_the_log_names_the_batch_never_a_code(library, caplog):
    caplog.set_level(logging.INFO, logger="codes.importing")

    result = load(csv_file("code", "SECRET-0001"), library)

    assert f"Batch {result.batch.pk}: loaded 1 codes for library central" in (
        caplog.text
    )
    assert "SECRET" not in caplog.text


def test_codes_from_a_list_go_through_the_same_checks(library):
    factories.CodeFactory(value="ABCD-0009")

    refused = importing.import_code_values(
        ["ABCD-0001", "abcd-0001", "AB", "ABCD-0009"],
        library=library,
        batch_name="Listed",
        valid_until=LATER,
    )
    loaded = importing.import_code_values(
        ["ABCD-0001", "ABCD-0002"],
        library=library,
        batch_name="Listed",
        valid_until=LATER,
    )

    assert [error.line for error in refused.errors] == [2, 3, 4]
    assert loaded.ok and loaded.batch.name == "Listed" and loaded.count == 2
    assert Code.objects.count() == 3


# The import_codes command


def write(tmp_path, data, name="codes.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_command_loads_a_file_and_says_so_in_one_line(library, tmp_path, capsys):
    path = write(tmp_path, csv_file("code", "ABCD-0001", "ABCD-0002"))

    call_command(
        "import_codes", path, "--library=central", f"--valid-until={LATER.isoformat()}"
    )

    batch = CodeBatch.objects.get()
    assert capsys.readouterr().out == (
        f"Batch {batch.pk} (codes.csv): 2 codes loaded for central, valid until "
        f"{LATER.isoformat()}.\n"
    )
    assert batch.codes.count() == 2 and batch.loaded_by is None


def test_the_command_names_every_bad_row_on_stderr_and_fails(library, tmp_path, capsys):
    path = write(tmp_path, csv_file("code", "ABCD-0001", "AB", "abcd-0001"))

    with pytest.raises(CommandError, match="2 problems; nothing was loaded") as error:
        call_command(
            "import_codes",
            path,
            "--library=central",
            "--batch=Spring",
            f"--valid-until={LATER.isoformat()}",
        )

    assert error.value.returncode == 1
    assert capsys.readouterr().err.splitlines() == [
        "Line 3: 'AB' is too short: a code is 4 to 64 letters A-Z, digits or dashes.",
        "Line 4: 'abcd-0001' repeats the code on line 2.",
    ]
    assert not Code.objects.exists()


def test_the_command_needs_a_date_unless_the_file_has_them(library, tmp_path):
    path = write(tmp_path, csv_file("code", "ABCD-0001"))

    with pytest.raises(CommandError, match="1 problem;"):
        call_command("import_codes", path, library="central")

    assert not Code.objects.exists()


def test_the_command_refuses_an_unknown_library_or_file(library, tmp_path):
    path = write(tmp_path, csv_file("code", "ABCD-0001"))

    with pytest.raises(CommandError, match="No library has the slug 'nowhere'"):
        call_command("import_codes", path, library="nowhere")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_codes", str(tmp_path / "gone.csv"), library="central")

    assert not Code.objects.exists()


# The commands around it


def test_clean_imports_deletes_only_stale_uploads(library, provider, capsys):
    old, fresh = (
        PendingImport.objects.create(
            uploaded_by=provider,
            file_name=name,
            data=b"code\n",
            library=library,
            batch_name=name,
            created_at=timezone.now() - age,
        )
        for name, age in [
            ("old.csv", datetime.timedelta(days=2)),
            ("fresh.csv", datetime.timedelta(hours=1)),
        ]
    )

    call_command("clean_imports")

    assert list(PendingImport.objects.all()) == [fresh]
    assert capsys.readouterr().out == "1 unconfirmed upload deleted.\n"


def test_seed_demo_loads_the_demo_codes_once(db, settings):
    settings.DEBUG = True

    call_command("seed_demo", password="demo-pass-2026")
    call_command("seed_demo", password="demo-pass-2026")

    assert sorted(CodeBatch.objects.values_list("library__slug", "name", "size")) == [
        ("demo", "Demo codes", 20),
        ("demo-north", "Demo codes", 5),
    ]
    assert Code.objects.filter(library__slug="demo").count() == 20
    assert Code.objects.filter(library__slug="demo-north").count() == 5
