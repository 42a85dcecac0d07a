-- Rollback of indexes/phase-2.sql: drops exactly the three phase-2 indexes, nothing else.
--
-- Run with: synthgen indexes rollback indexes/phase-2.rollback.sql [--dsn DSN] [--schema S]
--
-- {schema} is a placeholder: synthgen replaces it with the target schema, checked and quoted
-- as an identifier. DROP INDEX CONCURRENTLY cannot run in a transaction block either, so
-- there is no BEGIN/COMMIT; IF EXISTS makes a partial rollback safe to repeat.

DROP INDEX CONCURRENTLY IF EXISTS {schema}."messages_conversationId_createdAt_desc_idx";

DROP INDEX CONCURRENTLY IF EXISTS {schema}."conversation_users_userId_isActive_covering_idx";

DROP INDEX CONCURRENTLY IF EXISTS {schema}."conversations_updatedAt_desc_idx";
