-- CreateTable
CREATE TABLE "PromoCode" (
    "id" BIGSERIAL NOT NULL,
    "pool" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "contactId" UUID,
    "issuedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromoCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PromoCode_pool_code_key" ON "PromoCode"("pool", "code");

-- CreateIndex
CREATE UNIQUE INDEX "PromoCode_pool_contactId_key" ON "PromoCode"("pool", "contactId");
