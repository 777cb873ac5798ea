/**
 * VK lets a community write freely within 24 hours of the person's last message; later a message
 * needs an intent, and advertising one (promo_newsletter) a newsletter subscription Orkestr does
 * not manage (https://dev.vk.com/ru/api/community-messages/intents).
 */
export const vkFreeWindowMs = 24 * 3600 * 1000;
