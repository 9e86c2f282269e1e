// What the Chinese reference documents show in place of a deleted message's text. Shared by the
// 001 and 002 doors (which answer the same /api/chat/ paths), so neither imports the other.
export const DELETED_TEXT = "[消息已删除]";
