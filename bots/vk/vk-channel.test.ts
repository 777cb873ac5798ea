import { describe, expect, it } from "vitest";
import { vkPacing } from "../../core/pacing-redis/redis-send-pacer.ts";
import { VkChannel } from "./vk-channel.ts";

describe("VK channel's request rate", () => {
  it("lets vk-io make as many API requests a second as the shared pacer allows the community", () => {
    const noFiles = { get: async () => undefined, put: async () => {}, forget: async () => {} };
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const channel = new VkChannel({ token: "vk1.a.test-token", groupId: 1, files: noFiles, logger: quiet });
    const community = vkPacing.find((rule) => rule.scope === "sender");
    expect(community).toBeDefined();
    const allowedPerSecond = (community?.points ?? 0) / (community?.windowSeconds ?? 1);
    // vk-io queues requests behind its own limit (3 a second by default); below the pacer's it would be the real cap.
    expect(channel.vk.api.options.apiLimit).toBeGreaterThanOrEqual(allowedPerSecond);
  });
});
