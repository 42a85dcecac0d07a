-- Generated from synthgen/schema.py by synthgen.ddl; tests keep this file identical.
-- Schema name shown as perf_synthetic; the loader substitutes the target schema.

CREATE SCHEMA IF NOT EXISTS "perf_synthetic";

CREATE TYPE "perf_synthetic"."ProfileVisibility" AS ENUM ('PUBLIC', 'CONNECTIONS_ONLY', 'CLOSE_FRIENDS_ONLY', 'PRIVATE');

CREATE TYPE "perf_synthetic"."ConversationType" AS ENUM ('DIRECT_MESSAGE', 'GROUP_CHAT', 'CHANNEL');

CREATE TYPE "perf_synthetic"."ConversationUserRole" AS ENUM ('MEMBER', 'ADMIN', 'OWNER');

CREATE TYPE "perf_synthetic"."MessageType" AS ENUM ('TEXT', 'IMAGE', 'FILE', 'AUDIO', 'VIDEO', 'LOCATION', 'SYSTEM');

CREATE TYPE "perf_synthetic"."MessageStatus" AS ENUM ('SENT', 'DELIVERED', 'READ', 'DELETED');

CREATE TYPE "perf_synthetic"."ReceiptState" AS ENUM ('SENT', 'DELIVERED', 'READ');

CREATE TYPE "perf_synthetic"."AttachmentType" AS ENUM ('IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT', 'OTHER');

CREATE TABLE "perf_synthetic"."users" (
    "id" text NOT NULL,
    "email" text NOT NULL,
    "username" text NOT NULL,
    "firstName" text,
    "lastName" text,
    "bio" text,
    "profileImageUrl" text,
    "isActive" boolean NOT NULL DEFAULT true,
    "anonymousPostsToday" integer NOT NULL DEFAULT 0,
    "weeklyPushesUsed" integer NOT NULL DEFAULT 0,
    "lastAnonymousPostDate" timestamp(3),
    "lastWeeklyReset" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "allowDirectMessages" boolean NOT NULL DEFAULT true,
    "showOnlineStatus" boolean NOT NULL DEFAULT true,
    "profileVisibility" "perf_synthetic"."ProfileVisibility" NOT NULL DEFAULT 'PUBLIC'::"perf_synthetic"."ProfileVisibility",
    "isOnline" boolean NOT NULL DEFAULT false,
    "lastSeenAt" timestamp(3),
    "typingIn" text,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "lastLoginAt" timestamp(3)
);

CREATE TABLE "perf_synthetic"."conversations" (
    "id" text NOT NULL,
    "name" text,
    "description" text,
    "type" "perf_synthetic"."ConversationType" NOT NULL DEFAULT 'DIRECT_MESSAGE'::"perf_synthetic"."ConversationType",
    "avatarUrl" text,
    "isActive" boolean NOT NULL DEFAULT true,
    "allowMemberAdd" boolean NOT NULL DEFAULT true,
    "allowFileSharing" boolean NOT NULL DEFAULT true,
    "maxMembers" integer,
    "lastMessageAt" timestamp(3),
    "lastMessageId" text,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "creatorId" text NOT NULL
);

CREATE TABLE "perf_synthetic"."conversation_users" (
    "id" text NOT NULL,
    "role" "perf_synthetic"."ConversationUserRole" NOT NULL DEFAULT 'MEMBER'::"perf_synthetic"."ConversationUserRole",
    "isActive" boolean NOT NULL DEFAULT true,
    "isMuted" boolean NOT NULL DEFAULT false,
    "mutedUntil" timestamp(3),
    "joinedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leftAt" timestamp(3),
    "lastReadAt" timestamp(3),
    "lastReadMessageId" text,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "userId" text NOT NULL,
    "conversationId" text NOT NULL
);

CREATE TABLE "perf_synthetic"."messages" (
    "id" text NOT NULL,
    "content" text,
    "type" "perf_synthetic"."MessageType" NOT NULL DEFAULT 'TEXT'::"perf_synthetic"."MessageType",
    "status" "perf_synthetic"."MessageStatus" NOT NULL DEFAULT 'SENT'::"perf_synthetic"."MessageStatus",
    "isEdited" boolean NOT NULL DEFAULT false,
    "editedAt" timestamp(3),
    "isDeleted" boolean NOT NULL DEFAULT false,
    "deletedAt" timestamp(3),
    "replyToId" text,
    "threadId" text,
    "metadata" jsonb,
    "idempotencyKey" text NOT NULL,
    "correlationId" text,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "senderId" text NOT NULL,
    "conversationId" text NOT NULL
);

CREATE TABLE "perf_synthetic"."message_reads" (
    "id" text NOT NULL,
    "readAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "userId" text NOT NULL,
    "messageId" text NOT NULL
);

CREATE TABLE "perf_synthetic"."message_receipts" (
    "id" text NOT NULL,
    "state" "perf_synthetic"."ReceiptState" NOT NULL,
    "timestamp" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "messageId" text NOT NULL,
    "userId" text NOT NULL
);

CREATE TABLE "perf_synthetic"."attachments" (
    "id" text NOT NULL,
    "filename" text NOT NULL,
    "originalName" text NOT NULL,
    "mimeType" text NOT NULL,
    "size" integer NOT NULL,
    "url" text NOT NULL,
    "thumbnailUrl" text,
    "type" "perf_synthetic"."AttachmentType" NOT NULL DEFAULT 'OTHER'::"perf_synthetic"."AttachmentType",
    "width" integer,
    "height" integer,
    "duration" integer,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" timestamp(3) NOT NULL,
    "uploaderId" text NOT NULL,
    "messageId" text
);

