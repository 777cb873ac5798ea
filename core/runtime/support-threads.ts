/** A contact's line to support staff as the support desk needs it to post in their topic. */
export interface SupportThreadView {
  contactId: string;
  /** The topic's name: «Анна Смирнова · VK · #12». */
  title: string;
  /** Whether staff have the conversation now. */
  open: boolean;
  /** The group and topic, once the topic is made. */
  chatId?: string | undefined;
  topicId?: number | undefined;
  /** Whether the topic is open in the group (brought in line with `open` as the desk posts). */
  topicOpen: boolean;
  /** The card's message in the topic, to edit when the facts change. */
  cardMessageId?: number | undefined;
}

/** The support threads, for the support desk that keeps each contact's forum topic. Implemented in core/store-prisma. */
export interface SupportThreads {
  forContact(contactId: string): Promise<SupportThreadView | undefined>;
  /** The topic was made (or made again after staff deleted it) in `chatId`. */
  topicMade(contactId: string, chatId: string, topicId: number): Promise<void>;
  /** The topic was opened or closed in the group. */
  topicState(contactId: string, open: boolean): Promise<void>;
  /** The card was posted as this message: later edits go to it. */
  cardPosted(contactId: string, messageId: number): Promise<void>;
}
