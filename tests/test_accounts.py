import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts import roles
from accounts.backends import AccountBackend
from accounts.models import User
from tests.factories import PASSWORD

REGISTER_URL = "/accounts/register/"


def registration_data(home_library, /, **overrides):
    data = {
        "email": "new.reader@example.test",
        "full_name": "Nowa Czytelniczka",
        "home_library": home_library.pk,
        "card_number": "0123-4567",
        "password1": "Zakładka-2026-wiosna",
        "password2": "Zakładka-2026-wiosna",
    }
    data.update(overrides)
    return data


def test_it_registers_a_reader_and_signs_them_in(anonymous_client, library):
    response = anonymous_client.post(REGISTER_URL, registration_data(library))

    assert response.status_code == 302
    user = User.objects.get(email="new.reader@example.test")
    assert user.home_library == library
    assert user.card_number == "0123-4567"
    assert list(user.groups.values_list("name", flat=True)) == [roles.READER]
    assert not user.is_staff
    assert user.check_password("Zakładka-2026-wiosna")
    follow = anonymous_client.get(response.url, follow=True)
    assert follow.redirect_chain[-1][0] == reverse("requests:request-list")


def test_it_refuses_a_duplicate_email_in_any_case(anonymous_client, reader, library):
    data = registration_data(library, email=reader.email.upper())

    response = anonymous_client.post(REGISTER_URL, data)

    assert response.status_code == 200
    assert "An account with this email already exists." in response.text
    assert User.objects.filter(email__iexact=reader.email).count() == 1


def test_it_refuses_mismatched_passwords(anonymous_client, library):
    data = registration_data(library, password2="something-else-2026")

    response = anonymous_client.post(REGISTER_URL, data)

    assert response.status_code == 200
    assert "The two passwords do not match." in response.text
    assert not User.objects.filter(email="new.reader@example.test").exists()


@pytest.mark.parametrize("card_number", ["", "   "])
def test_it_refuses_an_empty_card_number(anonymous_client, library, card_number):
    data = registration_data(library, card_number=card_number)

    response = anonymous_client.post(REGISTER_URL, data)

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not User.objects.filter(email="new.reader@example.test").exists()


def test_it_refuses_a_weak_password(anonymous_client, library):
    data = registration_data(library, password1="12345678", password2="12345678")

    response = anonymous_client.post(REGISTER_URL, data)

    assert response.status_code == 200
    assert "This password is too common." in response.text
    assert not User.objects.filter(email="new.reader@example.test").exists()


def test_it_refuses_a_missing_library(anonymous_client, library):
    data = registration_data(library, home_library="")

    response = anonymous_client.post(REGISTER_URL, data)

    assert response.status_code == 200
    assert not User.objects.filter(email="new.reader@example.test").exists()


def test_registration_cannot_make_staff(anonymous_client, library, other_library):
    data = registration_data(
        library,
        is_staff="on",
        is_superuser="on",
        library=other_library.pk,
        groups=[Group.objects.get(name=roles.LIBRARY).pk],
    )

    anonymous_client.post(REGISTER_URL, data)

    user = User.objects.get(email="new.reader@example.test")
    assert not user.is_staff
    assert not user.is_superuser
    assert user.library is None
    assert list(user.groups.values_list("name", flat=True)) == [roles.READER]


def test_signed_in_users_are_sent_home_from_registration(reader_client):
    response = reader_client.get(REGISTER_URL)

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_it_logs_in_by_email_in_any_case(anonymous_client, reader):
    response = anonymous_client.post(
        "/accounts/login/", {"username": reader.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert anonymous_client.session["_auth_user_id"] == str(reader.pk)


def test_it_refuses_a_wrong_password(anonymous_client, reader):
    response = anonymous_client.post(
        "/accounts/login/", {"username": reader.email, "password": "wrong"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in anonymous_client.session
    assert "Please enter a correct email address and password" in response.text


def test_the_signed_in_user_is_read_with_their_library_and_roles(
    librarian, provider, reader, django_assert_num_queries
):
    backend = AccountBackend()
    reader.groups.add(Group.objects.create(name="book club"))

    with django_assert_num_queries(3):
        users = [
            backend.get_user(str(user.pk)) for user in (librarian, provider, reader)
        ]
        roles_read = [
            (user.is_librarian, user.is_provider, user.is_reader) for user in users
        ]
        library = users[0].library

    assert users == [librarian, provider, reader]
    assert roles_read == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert users[2].role_names() == {roles.READER}
    assert library == librarian.library
    assert library.name == librarian.library.name
    assert users[1].library is None


@pytest.mark.parametrize("user_id", ["999999", "not-a-number", ""])
def test_a_session_naming_no_user_signs_nobody_in(db, user_id):
    assert AccountBackend().get_user(user_id) is None


def test_a_deactivated_user_is_signed_out(librarian_client, librarian):
    User.objects.filter(pk=librarian.pk).update(is_active=False)

    response = librarian_client.get("/library/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_is_post_only(reader_client):
    response = reader_client.get("/accounts/logout/")

    assert response.status_code == 405
    assert "_auth_user_id" in reader_client.session


def test_logout_by_post_signs_out(reader_client):
    response = reader_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in reader_client.session


def test_password_reset_mails_a_working_link(anonymous_client, reader):
    response = anonymous_client.post(
        "/accounts/password_reset/", {"email": reader.email}
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reader.email]
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = anonymous_client.get("/" + path, follow=True)
    assert form_page.context["validlink"]
    done = anonymous_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Nowe-Haslo-2026!", "new_password2": "Nowe-Haslo-2026!"},
    )
    assert done.status_code == 302
    reader.refresh_from_db()
    assert reader.check_password("Nowe-Haslo-2026!")


def test_profile_updates_card_number(reader_client, reader):
    response = reader_client.post(
        "/accounts/profile/",
        {
            "full_name": reader.full_name,
            "home_library": reader.home_library_id,
            "card_number": "NEW-CARD-1",
        },
    )

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.card_number == "NEW-CARD-1"


def test_create_staff_makes_a_librarian_and_mails_a_password_link(library):
    call_command(
        "create_staff",
        "new.librarian@example.test",
        name="Nowa Bibliotekarka",
        role=roles.LIBRARY,
        library=library.slug,
    )

    user = User.objects.get(email="new.librarian@example.test")
    assert user.library == library
    assert user.is_librarian
    assert not user.is_staff
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.librarian@example.test"]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_superuser_adds_staff_in_the_admin_and_a_link_is_mailed(
    superuser_client, library
):
    group = Group.objects.get(name=roles.LIBRARY)

    response = superuser_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "desk@example.test",
            "full_name": "Desk Person",
            "library": library.pk,
            "groups": [group.pk],
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="desk@example.test")
    assert user.is_librarian
    assert user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["desk@example.test"]
