-- name: Q3
-- title: Conversation list of a user
-- serves: the inbox: a user's active conversations, most recently updated first
-- params: user_id
--
-- $1 = user_id (text): a typical user (median membership count) or a very active one.
-- {schema} is replaced by the quoted target schema; parameters are bound, never inlined.
SELECT c.*
FROM {schema}."conversation_users" AS cu
JOIN {schema}."conversations" AS c ON c."id" = cu."conversationId"
WHERE cu."userId" = $1
  AND cu."isActive" = true
ORDER BY c."updatedAt" DESC
LIMIT 20
