-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "surveysSentAt" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "SurveyResponse" (
    "id" UUID NOT NULL,
    "surveyId" TEXT NOT NULL,
    "scale" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "contactId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "flowId" TEXT NOT NULL,
    "flowVersion" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "visit" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "score" INTEGER,
    "scoreGroup" TEXT,
    "choice" TEXT,
    "comment" TEXT,
    "sentAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "SurveyResponse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewLink" (
    "id" TEXT NOT NULL,
    "contactId" UUID NOT NULL,
    "conversationId" UUID,
    "flowId" TEXT NOT NULL,
    "surveyId" TEXT,
    "label" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firstClickedAt" TIMESTAMP(3),
    "clicks" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ReviewLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SurveyResponse_surveyId_sentAt_idx" ON "SurveyResponse"("surveyId", "sentAt");

-- CreateIndex
CREATE INDEX "SurveyResponse_contactId_surveyId_sentAt_idx" ON "SurveyResponse"("contactId", "surveyId", "sentAt");

-- CreateIndex
CREATE UNIQUE INDEX "SurveyResponse_conversationId_stepId_visit_key" ON "SurveyResponse"("conversationId", "stepId", "visit");

-- CreateIndex
CREATE INDEX "ReviewLink_surveyId_createdAt_idx" ON "ReviewLink"("surveyId", "createdAt");

-- AddForeignKey
ALTER TABLE "SurveyResponse" ADD CONSTRAINT "SurveyResponse_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SurveyResponse" ADD CONSTRAINT "SurveyResponse_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewLink" ADD CONSTRAINT "ReviewLink_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;
