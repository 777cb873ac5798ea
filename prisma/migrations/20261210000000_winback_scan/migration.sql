-- CreateIndex
CREATE INDEX "ChannelIdentity_lastSeenAt_id_idx" ON "ChannelIdentity"("lastSeenAt", "id");
