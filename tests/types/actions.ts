// Compiled by `tsc --strict` against the built package (make test-types): the client actions.
// Every line that should type-check does, and every `@ts-expect-error` line must fail to.
import {
  WaapiClient,
  type CreateGroupAnswer,
  type EditMessageAnswer,
  type FetchMessagesAnswer,
  type GetChatByIdAnswer,
  type GetChatsAnswer,
  type GetLabelByIdAnswer,
  type GetLabelsAnswer,
  type IsRegisteredUserAnswer,
  type JsonValue,
  type SearchChannelsAnswer,
  type SearchChannelsParams,
  type SendEventAnswer,
  type SendMessageAnswer,
  type SendMessageParams,
  type WaapiActions,
} from "waapi-wasm";

type IsAny<T> = 0 extends 1 & T ? true : false;
type Not<T extends false> = T;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export async function actions(token: string): Promise<void> {
  const waapi = new WaapiClient(token, { baseUrl: "https://waapi.app/api/v1" });
  const chatId = "4915112345678@c.us";

  const sent: SendMessageAnswer = await waapi.sendMessage(1, { chatId, message: "Hi" });
  const body: string | null | undefined = sent._data?.body;
  const sentId: string | null | undefined = sent._data?.id?._serialized;
  const fromMe: boolean | null | undefined = sent._data?.id?.fromMe;
  await waapi.sendMessage(1, {
    chatId,
    message: "@4915187654321 hi",
    mentions: ["4915187654321@c.us"],
    replyToMessageId: "false_4915112345678@c.us_3EB0SEED0001",
    previewLink: false,
    firedandforget: undefined,
  });
  type _sentNotAny = Not<IsAny<typeof sent> | IsAny<typeof body>>;
  type _sendReturns = Assert<Equal<ReturnType<WaapiActions["sendMessage"]>, Promise<SendMessageAnswer>>>;

  const chats: GetChatsAnswer = await waapi.getChats(1);
  await waapi.getChats(1, { offset: 0, limit: 20 });
  for (const chat of chats) {
    const unread: number | null | undefined = chat.unreadCount;
    const last: string | null | undefined = chat.lastMessage?.body;
    const id: string | null | undefined = chat.id?._serialized;
    void [unread, last, id];
  }
  const firstChat = chats[0]; // noUncheckedIndexedAccess: possibly undefined
  const firstUnread: number | null | undefined = firstChat?.unreadCount;
  type _chatsNotAny = Not<IsAny<typeof chats> | IsAny<(typeof chats)[number]["unreadCount"]>>;

  const chat: GetChatByIdAnswer = await waapi.getChatById(1, { chatId });
  const isGroup: boolean | null | undefined = chat.isGroup;

  const messages: FetchMessagesAnswer = await waapi.fetchMessages(1, { chatId, limit: 10, fromMe: true });
  const newest: string | null | undefined = messages.at(-1)?.message?.body;
  type _messagesNotAny = Not<IsAny<(typeof messages)[number]["message"]>>;

  const registered: IsRegisteredUserAnswer = await waapi.isRegisteredUser(1, { contactId: chatId });
  const yes: boolean = registered;
  type _registeredIsBoolean = Assert<Equal<IsRegisteredUserAnswer, boolean>>;

  const group: CreateGroupAnswer = await waapi.createGroup(1, {
    groupName: "Team",
    groupParticipants: ["4915187654321@c.us"],
  });
  const gid: string | null | undefined = group.gid?._serialized;
  const missing: string[] | null | undefined = group.missingParticipants;
  type _groupNotAny = Not<IsAny<typeof group> | IsAny<typeof gid>>;

  const labels: GetLabelsAnswer = await waapi.getLabels(1);
  await waapi.getLabels(1, {});
  const label: GetLabelByIdAnswer = await waapi.getLabelById(1, { labelId: 1 });
  const labelId: number | null | undefined = label.id;
  type _labelsNotAny = Not<IsAny<typeof labels> | IsAny<typeof label>>;

  const contacts = await waapi.getContacts(1);
  const contactName: string | null | undefined = contacts[0]?.name;

  // Actions whose answer is not documented resolve JsonValue, not any.
  const edited: EditMessageAnswer = await waapi.editMessage(1, { messageId: "true_x", message: "fixed" });
  const editedJson: JsonValue = edited;
  type _editIsJson = Assert<Equal<EditMessageAnswer, JsonValue>>;
  type _editNotAny = Not<IsAny<typeof edited>>;
  const event: SendEventAnswer = await waapi.sendEvent(1, { chatId, name: "Lunch", startTime: 1767225600 });
  await waapi.sendEvent(1, { chatId, name: "Lunch", startTime: "2026-01-01T12:00:00Z" });
  void event;

  // The escape hatch: any name, JsonValue in and out.
  const raw: JsonValue = await waapi.action(1, "get-chat-by-id", { chatId });
  await waapi.action(1, "get-chats");
  await waapi.action(1, "a-future-action", { nested: { list: [1, "two", null, true] } });
  type _actionIsJson = Assert<Equal<Awaited<ReturnType<WaapiClient["action"]>>, JsonValue>>;
  type _actionNotAny = Not<IsAny<typeof raw>>;
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const field: JsonValue | undefined = raw["name"];
    void field;
  }

  // Enum-like parameters take the known values and any future string.
  const search: SearchChannelsParams = { view: "TRENDING", countryCodes: ["DE"], limit: 5 };
  const channels: SearchChannelsAnswer = await waapi.searchChannels(1, search);
  await waapi.searchChannels(1, { view: "RECOMMENDED", searchText: "news" });
  await waapi.searchChannels(1);
  const channelName: string | null | undefined = channels[0]?.channelMetadata?.name;

  // No `any` among the action methods' parameters or answers.
  type AnyIn<F> = F extends (...args: infer A) => infer R
    ? IsAny<R> extends true ? true : true extends { [I in keyof A]: IsAny<A[I]> }[number] ? true : false
    : IsAny<F>;
  type _noAnyAction = Not<true extends { [K in keyof WaapiActions]: AnyIn<WaapiActions[K]> }[keyof WaapiActions] ? true : false>;

  void [body, sentId, fromMe, firstUnread, isGroup, newest, yes, gid, missing, labelId, contactName, editedJson, channelName];

  // @ts-expect-error message is required
  await waapi.sendMessage(1, { chatId });
  // @ts-expect-error chatId is a string
  await waapi.sendMessage(1, { chatId: 4915112345678, message: "Hi" });
  // @ts-expect-error previewLink is a boolean
  await waapi.sendMessage(1, { chatId, message: "Hi", previewLink: "true" });
  // @ts-expect-error mentions are strings
  await waapi.sendMessage(1, { chatId, message: "Hi", mentions: [1] });
  // @ts-expect-error unknown keys are refused (the API spells it chatId)
  await waapi.sendMessage(1, { chatID: chatId, message: "Hi" });
  // @ts-expect-error the params object is required when a parameter is
  await waapi.sendMessage(1);
  // @ts-expect-error instance ids are numbers
  await waapi.sendMessage("1", { chatId, message: "Hi" });
  // @ts-expect-error instance ids are numbers, for the escape hatch too
  await waapi.action("1", "get-chats");
  // @ts-expect-error limit is a number
  await waapi.getChats(1, { limit: "10" });
  // @ts-expect-error an action without parameters takes none
  await waapi.getContacts(1, { chatId });
  // @ts-expect-error labelId is a number
  await waapi.getLabelById(1, { labelId: "1" });
  // @ts-expect-error the escape hatch takes JSON values only
  await waapi.action(1, "get-chats", { when: new Date() });
  // @ts-expect-error isRegisteredUser resolves a boolean
  const notString: string = await waapi.isRegisteredUser(1, { contactId: chatId });
  // @ts-expect-error an undocumented answer is JsonValue, not a string
  const notText: string = await waapi.editMessage(1, { messageId: "true_x", message: "fixed" });
  // @ts-expect-error the body may be missing
  const surely: string = sent._data?.body;
  const params: SendMessageParams = { chatId, message: "Hi" };
  // @ts-expect-error a params object built apart still refuses unknown keys
  const extra: SendMessageParams = { ...params, replyTo: "x" };
  void [notString, notText, surely, extra];
}
