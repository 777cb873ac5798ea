-- AlterTable
ALTER TABLE "SupportThread" ADD COLUMN "cardMessageId" INTEGER,
ADD COLUMN "cardFacts" TEXT;
