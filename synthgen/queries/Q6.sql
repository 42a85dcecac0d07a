-- name: Q6
-- title: Presence lookup of a conversation's active members
-- serves: the member list / online dots of an open conversation
-- params: conversation_id
--
-- $1 = conversation_id (text): a conversation chosen from the data (typical, p99, heaviest).
-- {schema} is replaced by the quoted target schema; parameters are bound, never inlined.
SELECT u."id", u."username", u."isOnline", u."lastSeenAt", u."showOnlineStatus"
FROM {schema}."conversation_users" AS cu
JOIN {schema}."users" AS u ON u."id" = cu."userId"
WHERE cu."conversationId" = $1
  AND cu."isActive" = true
