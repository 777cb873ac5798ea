import type { ChannelName } from "../model/channel-name.ts";
import type { UploadedFileCache } from "../runtime/uploaded-file-cache.ts";
import type { PrismaClient } from "./generated/client.ts";

/** UploadedFileCache in the `UploadedFile` table, shared by every process of a deployment. */
export class PrismaUploadedFileCache implements UploadedFileCache {
  constructor(private readonly prisma: PrismaClient) {}

  async get(channel: ChannelName, sha256: string): Promise<string | undefined> {
    const row = await this.prisma.uploadedFile.findUnique({ where: { channel_sha256: { channel, sha256 } } });
    return row?.remoteId;
  }

  async put(channel: ChannelName, sha256: string, remoteId: string): Promise<void> {
    // Two processes may upload the same file at once; the later reference is as good as the first.
    await this.prisma.uploadedFile.upsert({
      where: { channel_sha256: { channel, sha256 } },
      create: { channel, sha256, remoteId },
      update: { remoteId, uploadedAt: new Date() },
    });
  }

  async forget(channel: ChannelName, sha256: string): Promise<void> {
    await this.prisma.uploadedFile.deleteMany({ where: { channel, sha256 } });
  }
}
