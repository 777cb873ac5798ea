-- CreateTable
CREATE TABLE "RejectedInbound" (
    "id" BIGSERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "key" TEXT,
    "reason" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RejectedInbound_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RejectedInbound_receivedAt_idx" ON "RejectedInbound"("receivedAt");
