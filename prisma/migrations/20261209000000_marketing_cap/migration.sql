-- AlterTable
ALTER TABLE "FollowUp" ADD COLUMN "marketing" BOOLEAN NOT NULL DEFAULT true;
