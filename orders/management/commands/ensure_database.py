"""Create the configured PostgreSQL database if it does not exist yet (safe to run twice)."""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the database named in DATABASE_URL if it is missing."

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
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
            raise CommandError(
                f"Cannot reach PostgreSQL at {db.get('HOST')}:{db.get('PORT')}: {error}. "
                "Is it running? Check DATABASE_URL."
            ) from error
