-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "handedOffAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SupportThread" (
    "id" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "reason" TEXT NOT NULL,
    "resumeFlowId" TEXT,
    "resumeStepId" TEXT,
    "chatId" BIGINT,
    "topicId" INTEGER,
    "topicOpen" BOOLEAN NOT NULL DEFAULT false,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "lastCustomerAt" TIMESTAMP(3),
    "lastStaffAt" TIMESTAMP(3),
    "remindedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SupportThread_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SupportThread_contactId_key" ON "SupportThread"("contactId");

-- CreateIndex
CREATE UNIQUE INDEX "SupportThread_number_key" ON "SupportThread"("number");

-- CreateIndex
CREATE UNIQUE INDEX "SupportThread_chatId_topicId_key" ON "SupportThread"("chatId", "topicId");

-- AddForeignKey
ALTER TABLE "SupportThread" ADD CONSTRAINT "SupportThread_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;
