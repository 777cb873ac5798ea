-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "firstSource" TEXT,
ADD COLUMN     "lastSource" TEXT;
