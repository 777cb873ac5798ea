-- AlterTable
ALTER TABLE "ChannelIdentity" ADD COLUMN     "blockedAt" TIMESTAMP(3);
