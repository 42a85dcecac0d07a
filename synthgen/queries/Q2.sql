-- name: Q2
-- title: Send a message (insert with its unique idempotencyKey)
-- serves: the app's message insert; the unique idempotencyKey makes a client retry a no-op error
-- kind: write
-- params: new_id, conversation_id, member_id, content, idempotency_key
--
-- $1 = new_id (text, a fresh cuid-like id), $2 = conversation_id, $3 = member_id (the sender:
-- an active member), $4 = content (text), $5 = idempotency_key (text, fresh per execution).
-- Gate 2 runs it only inside a transaction it rolls back; every index on "messages" (and the
-- foreign-key checks on users and conversations) is maintained by it, so this is where an
-- index's write cost shows. createdAt/updatedAt are now(), as the ORM sets them.
INSERT INTO {schema}."messages"
    ("id", "content", "type", "status", "isEdited", "isDeleted", "idempotencyKey",
     "createdAt", "updatedAt", "senderId", "conversationId")
VALUES ($1, $4, 'TEXT', 'SENT', false, false, $5, now(), now(), $3, $2)
