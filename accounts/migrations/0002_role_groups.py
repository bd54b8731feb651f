from django.contrib.auth.management import create_permissions
from django.db import migrations

# A frozen copy: the migration must keep meaning what it meant when written.
PERMISSIONS = {
    "empik": [
        "accounts.view_library",
        "codes.add_codebatch",
        "codes.change_codebatch",
        "codes.view_codebatch",
        "codes.add_code",
        "codes.change_code",
        "codes.view_code",
    ],
    "library": [
        "accounts.view_library",
        "codes.view_code",
        "codes.view_codebatch",
        "requests_app.view_coderequest",
        "requests_app.change_coderequest",
    ],
    "reader": [
        "requests_app.add_coderequest",
        "requests_app.view_coderequest",
    ],
}


def create_role_groups(apps, schema_editor):
    # Permissions are made after the last migration runs; make them now so
    # the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("codes", "0001_initial"),
        ("requests_app", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
