-- name: Q5
-- title: Receipt upsert (DELIVERED / READ of a message by a recipient)
-- serves: a client acknowledging delivery or read; the unique (messageId, userId, state) key
-- kind: write
-- params: new_id, message_id, member_id, receipt_state
--
-- $1 = new_id (text, fresh), $2 = message_id (a recent message of the conversation),
-- $3 = member_id (the recipient: an active member), $4 = receipt_state ('DELIVERED' or 'READ').
-- Gate 2 runs it only inside a transaction it rolls back. A repeated acknowledgement hits the
-- unique key and updates the timestamp instead (Prisma's native upsert).
INSERT INTO {schema}."message_receipts"
    ("id", "state", "timestamp", "createdAt", "updatedAt", "messageId", "userId")
VALUES ($1, $4::{schema}."ReceiptState", now(), now(), now(), $2, $3)
ON CONFLICT ("messageId", "userId", "state")
DO UPDATE SET "timestamp" = EXCLUDED."timestamp", "updatedAt" = EXCLUDED."updatedAt"
