/** The requests a customer may make at any moment, whatever the bot just asked. */
export const intentNames = ["human", "unsubscribe", "erase_data", "restart"] as const;
export type IntentName = (typeof intentNames)[number];
