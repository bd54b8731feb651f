"""The standing cast every permission test asks the same question of."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests import factories


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files without the manifest that collectstatic writes."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply; production hashing is tested on its own."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits count in the cache; each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def library(db):
    return factories.LibraryFactory(slug="central", name="Central Library")


@pytest.fixture
def other_library(db):
    return factories.LibraryFactory(slug="riverside", name="Riverside Library")


@pytest.fixture
def reader(library):
    return factories.ReaderFactory(email="reader@example.test", home_library=library)


@pytest.fixture
def other_reader(library):
    return factories.ReaderFactory(email="reader2@example.test", home_library=library)


@pytest.fixture
def librarian(library):
    return factories.LibrarianFactory(email="librarian@example.test", library=library)


@pytest.fixture
def other_librarian(other_library):
    return factories.LibrarianFactory(
        email="librarian@riverside.test", library=other_library
    )


@pytest.fixture
def provider(db):
    return factories.ProviderFactory(email="staff@provider.test")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(
        email="admin@example.test", is_staff=True, is_superuser=True
    )


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture
def reader_client(reader):
    return _client_for(reader)


@pytest.fixture
def other_reader_client(other_reader):
    return _client_for(other_reader)


@pytest.fixture
def librarian_client(librarian):
    return _client_for(librarian)


@pytest.fixture
def other_librarian_client(other_librarian):
    return _client_for(other_librarian)


@pytest.fixture
def provider_client(provider):
    return _client_for(provider)


@pytest.fixture
def superuser_client(superuser):
    return _client_for(superuser)


CAST = [
    "anonymous_client",
    "reader_client",
    "other_reader_client",
    "librarian_client",
    "other_librarian_client",
    "provider_client",
    "superuser_client",
]


@pytest.fixture(params=CAST)
def cast_client(db, request):
    """Each member of the cast in turn, named by ``cast_client.role``."""
    client = request.getfixturevalue(request.param)
    client.role = request.param.removesuffix("_client")
    return client
