-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN "lane" TEXT NOT NULL DEFAULT 'reply';
