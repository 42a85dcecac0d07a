-- name: Q4
-- title: Unread count of a member in a conversation
-- serves: the unread badge: messages from others the member has no read row for
-- params: conversation_id, member_id
--
-- $1 = conversation_id (text), $2 = member_id (text): an active member of that conversation.
-- {schema} is replaced by the quoted target schema; parameters are bound, never inlined.
SELECT count(*) AS unread
FROM {schema}."messages" AS m
LEFT JOIN {schema}."message_reads" AS r
  ON r."messageId" = m."id"
 AND r."userId" = $2
WHERE m."conversationId" = $1
  AND m."senderId" <> $2
  AND m."isDeleted" = false
  AND r."id" IS NULL
