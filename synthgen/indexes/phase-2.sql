-- Phase-2 indexes for the chat app's hot queries (DESIGN §9).
--
-- Run with:  synthgen indexes apply indexes/phase-2.sql [--dsn DSN] [--schema perf_synthetic]
-- Undo with: synthgen indexes rollback indexes/phase-2.rollback.sql
--
-- {schema} is a placeholder: synthgen replaces it with the target schema, checked
-- (lower-case letters, digits, underscore) and quoted as an identifier. Nothing else in this
-- file is substituted. To run it by hand, replace {schema} yourself (e.g. "perf_synthetic").
--
-- Every statement is CREATE INDEX CONCURRENTLY ... IF NOT EXISTS and there is deliberately no
-- BEGIN/COMMIT: PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a transaction block, so
-- synthgen runs each statement on its own in autocommit. A build that fails or is cancelled
-- leaves an INVALID index behind; synthgen detects it (pg_index.indisvalid = false), reports
-- it and rebuilds it on the next apply (IF NOT EXISTS alone would silently keep it invalid).
--
-- Note for reviewers: the app already has messages ("conversationId", "createdAt"),
-- conversation_users ("userId", "isActive") and conversations ("updatedAt"); B-tree indexes
-- can be scanned backward, so `synthgen verify compare` checks whether each index below is
-- redundant with one of those and says so instead of crediting it.

-- Q1 / Q1b / Q4: a conversation's messages, newest first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "messages_conversationId_createdAt_desc_idx"
    ON {schema}."messages" ("conversationId", "createdAt" DESC);

-- Q3: a user's active memberships, covering the conversation id (index-only scans).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "conversation_users_userId_isActive_covering_idx"
    ON {schema}."conversation_users" ("userId", "isActive") INCLUDE ("conversationId");

-- Q3: conversations, most recently updated first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "conversations_updatedAt_desc_idx"
    ON {schema}."conversations" ("updatedAt" DESC);
