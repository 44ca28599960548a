-- pgbench script: the SQL of one place_order and one confirm_order command, as Django sends
-- it (client-side bound literals, so pgbench's simple protocol with substituted variables is
-- the same traffic): order row, item rows, the event with its outbox rows (one statement,
-- orders/event_store.py), commit, then the NOTIFY that wakes the relay. Variables umin / umax
-- (bench user ids) come from -D.
\set uid random(:umin, :umax)
\set qty random(1, 5)
SELECT gen_random_uuid() AS oid, gen_random_uuid() AS placed_id,
       gen_random_uuid() AS confirmed_id, clock_timestamp() AS placed_at \gset

-- place_order
BEGIN;
SELECT product_id, name, unit_price, active FROM orders_product
    WHERE active AND product_id IN ('widget', 'gadget') ORDER BY name;
INSERT INTO orders_order (id, customer_id, customer_name, status, tracking_number,
        cancel_reason, version, created_at, updated_at, confirmed_at, shipped_at,
        delivered_at, cancelled_at)
    VALUES (':oid'::uuid, :uid, 'Bench', 'pending', '', '', 1, ':placed_at'::timestamptz,
        ':placed_at'::timestamptz, NULL, NULL, NULL, NULL);
INSERT INTO orders_orderitem (order_id, line_no, product_id, product_name, quantity, unit_price)
    SELECT * FROM unnest(('{:oid,:oid}'::uuid[])::uuid[], ('{1,2}'::int2[])::smallint[],
        ('{widget,gadget}')::varchar[], ('{Widget,Gadget}')::varchar[],
        ('{:qty,1}'::int4[])::integer[], ('{19.90,5.25}'::numeric[])::numeric[])
    RETURNING id;
WITH appended AS (
    INSERT INTO orders_event (event_id, order_id, seq, event_type, schema_version, occurred_at,
            data)
        SELECT * FROM unnest('{:placed_id}'::uuid[], '{:oid}'::uuid[], '{1}'::int[],
            '{OrderPlaced}'::text[], '{1}'::smallint[], ARRAY[':placed_at'::timestamptz],
            ARRAY['{"customerId": :uid, "customerName": "Bench", "items": [{"productId": "widget", "name": "Widget", "quantity": :qty, "unitPrice": "19.90"}, {"productId": "gadget", "name": "Gadget", "quantity": 1, "unitPrice": "5.25"}], "total": "45.05"}'::jsonb])
        RETURNING position, event_type
)
INSERT INTO orders_outboxmessage (event_id, read_model, state, attempts, last_error)
    SELECT appended.position, owed.read_model, 'pending', 0, ''
    FROM appended
    JOIN unnest('{OrderPlaced,OrderPlaced,OrderPlaced,OrderPlaced}'::text[],
        '{order_summaries,order_details,order_search,order_analytics}'::text[])
        AS owed(event_type, read_model) ON owed.event_type = appended.event_type
    ORDER BY appended.position;
COMMIT;
SELECT pg_notify('outbox_pending', '');

-- confirm_order
BEGIN;
SELECT id, customer_id, customer_name, status, tracking_number, cancel_reason, version,
        created_at, updated_at, confirmed_at, shipped_at, delivered_at, cancelled_at
    FROM orders_order WHERE customer_id = :uid AND id = ':oid'::uuid
    ORDER BY id ASC LIMIT 1 FOR UPDATE OF orders_order;
SELECT id, order_id, line_no, product_id, product_name, quantity, unit_price
    FROM orders_orderitem WHERE order_id = ':oid'::uuid ORDER BY line_no ASC;
UPDATE orders_order SET customer_id = :uid, customer_name = 'Bench', status = 'confirmed',
        tracking_number = '', cancel_reason = '', version = 2,
        created_at = ':placed_at'::timestamptz, updated_at = clock_timestamp(),
        confirmed_at = clock_timestamp()
    WHERE id = ':oid'::uuid;
WITH appended AS (
    INSERT INTO orders_event (event_id, order_id, seq, event_type, schema_version, occurred_at,
            data)
        SELECT * FROM unnest('{:confirmed_id}'::uuid[], '{:oid}'::uuid[], '{2}'::int[],
            '{OrderConfirmed}'::text[], '{1}'::smallint[], ARRAY[clock_timestamp()],
            ARRAY['{}'::jsonb])
        RETURNING position, event_type
)
INSERT INTO orders_outboxmessage (event_id, read_model, state, attempts, last_error)
    SELECT appended.position, owed.read_model, 'pending', 0, ''
    FROM appended
    JOIN unnest('{OrderConfirmed,OrderConfirmed,OrderConfirmed,OrderConfirmed}'::text[],
        '{order_summaries,order_details,order_search,order_analytics}'::text[])
        AS owed(event_type, read_model) ON owed.event_type = appended.event_type
    ORDER BY appended.position;
COMMIT;
SELECT pg_notify('outbox_pending', '');
