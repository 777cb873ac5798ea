-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "erasedAt" TIMESTAMP(3);
