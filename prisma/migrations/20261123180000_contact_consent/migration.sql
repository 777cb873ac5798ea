-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "consentAt" TIMESTAMP(3),
ADD COLUMN     "consentChannel" TEXT,
ADD COLUMN     "consentVersion" TEXT;
