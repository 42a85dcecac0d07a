-- name: Q1b
-- title: Message history, newest 100
-- serves: scrolling back in a conversation: a larger page of messages, newest first
-- params: conversation_id
--
-- $1 = conversation_id (text): a conversation chosen from the data (typical, p99, heaviest).
-- {schema} is replaced by the quoted target schema; parameters are bound, never inlined.
SELECT m.*
FROM {schema}."messages" AS m
WHERE m."conversationId" = $1
ORDER BY m."createdAt" DESC
LIMIT 100
