-- AlterTable: the payload version of each event (core/events/event-catalog.ts)
ALTER TABLE "Event" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
