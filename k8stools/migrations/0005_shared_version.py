"""The shared versions (`k8stools.shared_versions`): a token per name that triggers replace in the same
transaction as every change of the table the name covers. The SQL is frozen here, as migrations must be."""

from typing import Any

from django.db import migrations, models

# name -> the table whose every change replaces that name's token (as of this migration)
COVERED = {"policy": "k8stools_policysettings", "context": "k8stools_userkubecontext"}

_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {table}_version_{event} AFTER {event} ON {table}
BEGIN
    INSERT INTO k8stools_sharedversion (name, token) VALUES ('{name}', lower(hex(randomblob(16))))
    ON CONFLICT (name) DO UPDATE SET token = excluded.token;
END
"""

_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION k8stools_replace_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO k8stools_sharedversion (name, token)
    VALUES (TG_ARGV[0], md5(random()::text || clock_timestamp()::text || txid_current()::text))
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""

_POSTGRESQL_TRIGGER = """
CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION k8stools_replace_version('{name}')
"""

_EVENTS = ("INSERT", "UPDATE", "DELETE")


def install_triggers(apps: Any, schema_editor: Any) -> None:
    """Create the triggers that replace each covered table's token (idempotent: a migration may run it again)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, table in COVERED.items():
            for event in _EVENTS:
                schema_editor.execute(_SQLITE_TRIGGER.format(table=table, event=event.lower(), name=name))
    elif vendor == "postgresql":
        schema_editor.execute(_POSTGRESQL_FUNCTION)
        for name, table in COVERED.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
            schema_editor.execute(_POSTGRESQL_TRIGGER.format(table=table, name=name))


def remove_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in COVERED.values():
        if vendor == "sqlite":
            for event in _EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event.lower()}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS k8stools_replace_version()")


class Migration(migrations.Migration):
    dependencies = [
        ("k8stools", "0004_auditrecord_identity"),
    ]

    operations = [
        migrations.CreateModel(
            name="SharedVersion",
            fields=[
                ("name", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=64)),
            ],
        ),
        # Every change of the policy row or of a caller's context replaces a token, in the writer's own transaction.
        migrations.RunPython(install_triggers, remove_triggers),
    ]
