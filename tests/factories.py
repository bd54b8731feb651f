import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import Library, User
from codes.models import Code, CodeBatch

PASSWORD = "correct-horse-battery-staple"


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Library {n}")
    slug = factory.Sequence(lambda n: f"library-{n}")
    contact_email = factory.LazyAttribute(lambda o: f"{o.slug}@library.test")


def join(user, role):
    """Add ``user`` to the group of ``role``, given as a name."""
    if role:
        user.groups.add(Group.objects.get(name=role))


def with_role(default):
    return factory.PostGeneration(
        lambda user, create, role, **kw: join(user, role or default)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    role = factory.PostGeneration(lambda user, create, role, **kw: join(user, role))


class ReaderFactory(UserFactory):
    home_library = factory.SubFactory(LibraryFactory)
    card_number = factory.Sequence(lambda n: f"CARD-{n:06d}")
    role = with_role(roles.READER)


class LibrarianFactory(UserFactory):
    library = factory.SubFactory(LibraryFactory)
    role = with_role(roles.LIBRARY)


class ProviderFactory(UserFactory):
    is_staff = True
    role = with_role(roles.EMPIK)


class CodeBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeBatch

    name = factory.Sequence(lambda n: f"Batch {n}")
    library = factory.SubFactory(LibraryFactory)
    valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=90)
    )


class CodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Code

    value = factory.Sequence(lambda n: f"CODE-{n:08d}")
    batch = factory.SubFactory(CodeBatchFactory)
    library = factory.SelfAttribute("batch.library")
    valid_until = factory.SelfAttribute("batch.valid_until")


class CodeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "requests_app.CodeRequest"

    reader = factory.SubFactory(ReaderFactory)
    library = factory.SelfAttribute("reader.home_library")
    card_number = factory.SelfAttribute("reader.card_number")


class StaffFactory(UserFactory):
    """A staff account with no role, holding only the permissions given."""

    is_staff = True

    @factory.post_generation
    def permissions(user, create, extracted, **kwargs):
        from django.contrib.auth.models import Permission

        if not (create and extracted):
            return
        for name in extracted:
            app_label, codename = name.split(".")
            user.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
