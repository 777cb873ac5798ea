import type { Flow } from "../flow/flow-schema.ts";
import type { FlowVersionStore, StoredFlowVersion } from "../runtime/flow-version-store.ts";
import type { PrismaClient } from "./generated/client.ts";

/** FlowVersionStore in the `FlowVersion` table. */
export class PrismaFlowVersionStore implements FlowVersionStore {
  constructor(private readonly prisma: PrismaClient) {}

  async register(flows: Flow[]): Promise<void> {
    await this.prisma.flowVersion.createMany({
      data: flows.map((f) => ({ flowId: f.id, version: f.version, source: f.source, file: f.file })),
      skipDuplicates: true,
    });
  }

  async versionsInUse(current: Array<{ id: string; version: string }>): Promise<StoredFlowVersion[]> {
    const inUse = await this.prisma.conversation.findMany({
      where: { status: "active", NOT: current.map((f) => ({ flowId: f.id, flowVersion: f.version })) },
      distinct: ["flowId", "flowVersion"],
      select: { flowId: true, flowVersion: true },
    });
    if (inUse.length === 0) return [];
    return this.prisma.flowVersion.findMany({ where: { OR: inUse.map((c) => ({ flowId: c.flowId, version: c.flowVersion })) } });
  }

  async history(flowId: string): Promise<Array<StoredFlowVersion & { activeConversations: number }>> {
    const [versions, counts] = await Promise.all([
      this.prisma.flowVersion.findMany({ where: { flowId }, orderBy: { createdAt: "desc" } }),
      this.prisma.conversation.groupBy({ by: ["flowVersion"], where: { flowId, status: "active" }, _count: { _all: true } }),
    ]);
    const active = new Map(counts.map((c) => [c.flowVersion, c._count._all]));
    return versions.map((v) => ({ ...v, activeConversations: active.get(v.version) ?? 0 }));
  }
}
