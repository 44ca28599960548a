"""Create the configured PostgreSQL databases if they do not exist yet (safe to run twice):
the write database (DATABASE_URL) and, when configured, the read one (READ_DATABASE_URL)."""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the databases named in DATABASE_URL and READ_DATABASE_URL if missing."

    def handle(self, *args, **options):
        for alias, db in settings.DATABASES.items():
            self._ensure(alias, db)

    def _ensure(self, alias: str, db: dict) -> None:
        params = {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        try:
            with psycopg.connect(**params) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
                ).fetchone()
                if exists:
                    self.stdout.write(f"Database {db['NAME']} exists.")
                    return
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
                self.stdout.write(self.style.SUCCESS(f"Created database {db['NAME']}."))
        except psycopg.OperationalError as error:
            setting = "READ_DATABASE_URL" if alias == "read" else "DATABASE_URL"
            raise CommandError(
                f"Cannot reach PostgreSQL at {db.get('HOST')}:{db.get('PORT')}: {error}. "
                f"Is it running? Check {setting}."
            ) from error
