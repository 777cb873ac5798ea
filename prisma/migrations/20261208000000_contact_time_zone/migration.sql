-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "timezone" TEXT;
