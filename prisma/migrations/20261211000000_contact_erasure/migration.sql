-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "erasedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Contact_erasedAt_idx" ON "Contact"("erasedAt");
