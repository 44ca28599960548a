"""Log whole old rows of orders in the WAL, so that change data capture sees before-images
(a status change from pending to confirmed needs the "before"). Costs a little WAL per update."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_outbox_retry_fields")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE orders_order REPLICA IDENTITY FULL",
            reverse_sql="ALTER TABLE orders_order REPLICA IDENTITY DEFAULT",
        ),
    ]
