-- Generated from synthgen/schema.py by synthgen.ddl; tests keep this file identical.
-- Schema name shown as perf_synthetic; the loader substitutes the target schema.

ALTER TABLE "perf_synthetic"."users" ADD CONSTRAINT "users_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."users" ADD CONSTRAINT "users_email_key" UNIQUE ("email");

ALTER TABLE "perf_synthetic"."users" ADD CONSTRAINT "users_username_key" UNIQUE ("username");

ALTER TABLE "perf_synthetic"."conversations" ADD CONSTRAINT "conversations_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."conversation_users" ADD CONSTRAINT "conversation_users_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."conversation_users" ADD CONSTRAINT "conversation_users_userId_conversationId_key" UNIQUE ("userId", "conversationId");

ALTER TABLE "perf_synthetic"."messages" ADD CONSTRAINT "messages_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."messages" ADD CONSTRAINT "messages_conversationId_id_key" UNIQUE ("conversationId", "id");

ALTER TABLE "perf_synthetic"."messages" ADD CONSTRAINT "messages_idempotencyKey_key" UNIQUE ("idempotencyKey");

ALTER TABLE "perf_synthetic"."message_reads" ADD CONSTRAINT "message_reads_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."message_reads" ADD CONSTRAINT "message_reads_userId_messageId_key" UNIQUE ("userId", "messageId");

ALTER TABLE "perf_synthetic"."message_receipts" ADD CONSTRAINT "message_receipts_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."message_receipts" ADD CONSTRAINT "message_receipts_messageId_userId_state_key" UNIQUE ("messageId", "userId", "state");

ALTER TABLE "perf_synthetic"."attachments" ADD CONSTRAINT "attachments_pkey" PRIMARY KEY ("id");

ALTER TABLE "perf_synthetic"."conversations" ADD CONSTRAINT "conversations_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "perf_synthetic"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."conversation_users" ADD CONSTRAINT "conversation_users_userId_fkey" FOREIGN KEY ("userId") REFERENCES "perf_synthetic"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."conversation_users" ADD CONSTRAINT "conversation_users_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "perf_synthetic"."conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."messages" ADD CONSTRAINT "messages_senderId_fkey" FOREIGN KEY ("senderId") REFERENCES "perf_synthetic"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."messages" ADD CONSTRAINT "messages_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "perf_synthetic"."conversations" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."messages" ADD CONSTRAINT "messages_replyToId_fkey" FOREIGN KEY ("replyToId") REFERENCES "perf_synthetic"."messages" ("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."message_reads" ADD CONSTRAINT "message_reads_userId_fkey" FOREIGN KEY ("userId") REFERENCES "perf_synthetic"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."message_reads" ADD CONSTRAINT "message_reads_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "perf_synthetic"."messages" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."message_receipts" ADD CONSTRAINT "message_receipts_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "perf_synthetic"."messages" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."message_receipts" ADD CONSTRAINT "message_receipts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "perf_synthetic"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."attachments" ADD CONSTRAINT "attachments_uploaderId_fkey" FOREIGN KEY ("uploaderId") REFERENCES "perf_synthetic"."users" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "perf_synthetic"."attachments" ADD CONSTRAINT "attachments_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "perf_synthetic"."messages" ("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE INDEX "users_isOnline_lastSeenAt_idx" ON "perf_synthetic"."users" ("isOnline", "lastSeenAt");

CREATE INDEX "conversations_updatedAt_idx" ON "perf_synthetic"."conversations" ("updatedAt");

CREATE INDEX "conversations_type_isActive_idx" ON "perf_synthetic"."conversations" ("type", "isActive");

CREATE INDEX "conversations_creatorId_idx" ON "perf_synthetic"."conversations" ("creatorId");

CREATE INDEX "conversation_users_userId_conversationId_idx" ON "perf_synthetic"."conversation_users" ("userId", "conversationId");

CREATE INDEX "conversation_users_conversationId_isActive_idx" ON "perf_synthetic"."conversation_users" ("conversationId", "isActive");

CREATE INDEX "conversation_users_userId_isActive_idx" ON "perf_synthetic"."conversation_users" ("userId", "isActive");

CREATE INDEX "messages_conversationId_createdAt_idx" ON "perf_synthetic"."messages" ("conversationId", "createdAt");

CREATE INDEX "messages_senderId_idx" ON "perf_synthetic"."messages" ("senderId");

CREATE INDEX "messages_threadId_idx" ON "perf_synthetic"."messages" ("threadId");

CREATE INDEX "messages_replyToId_idx" ON "perf_synthetic"."messages" ("replyToId");

CREATE INDEX "messages_type_isDeleted_idx" ON "perf_synthetic"."messages" ("type", "isDeleted");

CREATE INDEX "messages_idempotencyKey_idx" ON "perf_synthetic"."messages" ("idempotencyKey");

CREATE INDEX "messages_correlationId_idx" ON "perf_synthetic"."messages" ("correlationId");

CREATE INDEX "message_reads_messageId_idx" ON "perf_synthetic"."message_reads" ("messageId");

CREATE INDEX "message_reads_userId_idx" ON "perf_synthetic"."message_reads" ("userId");

CREATE INDEX "message_receipts_messageId_idx" ON "perf_synthetic"."message_receipts" ("messageId");

CREATE INDEX "message_receipts_userId_idx" ON "perf_synthetic"."message_receipts" ("userId");

CREATE INDEX "message_receipts_state_idx" ON "perf_synthetic"."message_receipts" ("state");

CREATE INDEX "attachments_messageId_idx" ON "perf_synthetic"."attachments" ("messageId");

CREATE INDEX "attachments_uploaderId_idx" ON "perf_synthetic"."attachments" ("uploaderId");

CREATE INDEX "attachments_type_idx" ON "perf_synthetic"."attachments" ("type");

