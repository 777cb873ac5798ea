/** Channels a conversation can run on. */
export const channelNames = ["web", "telegram", "vk"] as const;
export type ChannelName = (typeof channelNames)[number];
