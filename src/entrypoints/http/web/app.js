// The chat service's own web client. It uses only the public API (docs/api.md),
// as any other client would, and puts user text on the page only as text
// (textContent), never as HTML.

const PAGE = 50; // messages a chat opens on, and each older page
const RETRY_MOST_MS = 10_000;
const byId = (id) => document.getElementById(id);

// What went wrong with a call: a problem+json refusal, or no answer at all.
class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `the server answered ${status}`);
    this.status = status;
    this.code = body.code || "";
  }
  get retryable() { return this.status === 0 || this.status === 503; }
}

// The banner says why the page may be behind: a condition each, shown in turn.
const conditions = new Map();
function condition(name, text) {
  if (text) conditions.set(name, text); else conditions.delete(name);
  const banner = byId("banner");
  banner.textContent = [...conditions.values()].join(" ");
  banner.hidden = conditions.size === 0;
}

function showError(error) {
  const box = byId("error");
  box.textContent = error ? error.message : "";
  box.hidden = !error;
}

async function call(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    condition("server", "The server cannot be reached; retrying.");
    throw new Problem(0, { detail: "the server cannot be reached" });
  }
  const answer = await response.json().catch(() => ({}));
  if (response.status === 503) {
    condition("server", "The server is unavailable for a moment; retrying.");
    throw new Problem(503, answer);
  }
  condition("server", null);
  if (!response.ok) throw new Problem(response.status, answer);
  return answer;
}

// A send's key, so that a retry is never stored twice (crypto.randomUUID
// needs a secure context; a plain-HTTP LAN address is not one).
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

const state = {
  me: null, // the signed-in User
  chats: new Map(), // chat id -> Chat
  names: new Map(), // user id -> username
  open: null, // the open chat's id
  messages: [], // the open chat's messages, oldest first
  shown: new Set(), // their ids
  hasOlder: false,
  loadingOlder: false,
  generation: 0, // bumped when another chat opens, so late pages are dropped
  pending: new Map(), // client_msg_id -> a send not yet seen on the stream
  stream: null,
  lastEventId: "",
};

// The contract's orders (times are fixed-width RFC 3339, ids canonical UUIDs).
function chatOrder(a, b) {
  if (a.last_message_at && b.last_message_at) {
    if (a.last_message_at !== b.last_message_at) return a.last_message_at < b.last_message_at ? 1 : -1;
  } else if (a.last_message_at || b.last_message_at) {
    return a.last_message_at ? -1 : 1;
  } else if (a.created_at !== b.created_at) {
    return a.created_at < b.created_at ? 1 : -1;
  }
  return a.id < b.id ? 1 : -1;
}
function messageOrder(a, b) {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : 1;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}
function timeOf(iso, withDay = false) {
  const at = new Date(iso);
  const options = withDay ? { dateStyle: "short", timeStyle: "short" } : { timeStyle: "short" };
  return el("time", { dateTime: iso, textContent: at.toLocaleString([], options) });
}

// ---- chats -----------------------------------------------------------------

function renderChats() {
  const list = byId("chat-list");
  const focused = document.activeElement?.dataset?.chat;
  const items = [...state.chats.values()].sort(chatOrder).map((chat) => {
    const button = el("button", { type: "button" }, el("span", { className: "name", textContent: chat.name }));
    button.dataset.chat = chat.id;
    if (chat.last_message_at) button.append(timeOf(chat.last_message_at, true));
    button.setAttribute("aria-current", String(chat.id === state.open));
    button.addEventListener("click", () => openChat(chat.id));
    return el("li", {}, button);
  });
  list.replaceChildren(...items);
  byId("no-chats").hidden = items.length > 0;
  if (focused) list.querySelector(`[data-chat="${focused}"]`)?.focus();
}

async function loadChats() {
  const chats = new Map();
  let after = null;
  do {
    const page = await call("/chats/get", { user: state.me.id, limit: 200, ...(after && { after }) });
    for (const chat of page.chats) chats.set(chat.id, chat);
    after = page.next;
  } while (after);
  state.chats = chats;
  renderChats();
}

async function learnNames(ids) {
  const unknown = [...new Set(ids)].filter((id) => !state.names.has(id));
  for (let i = 0; i < unknown.length; i += 1000) {
    for (const user of await call("/users/get", { users: unknown.slice(i, i + 1000) })) {
      state.names.set(user.id, user.username);
    }
  }
}

async function createChat(form) {
  const names = form.members.value.split(",").map((n) => n.trim()).filter(Boolean);
  const members = [state.me.id];
  for (const username of names) {
    const user = await call("/users/get", { username });
    if (!members.includes(user.id)) members.push(user.id);
  }
  const { id } = await call("/chats/add", { name: form.name.value, users: members });
  form.reset();
  byId("new-chat").open = false;
  await loadChats();
  await openChat(id);
}

// ---- messages --------------------------------------------------------------

function messageItem(message) {
  const mine = message.author === state.me.id;
  const author = state.names.get(message.author) || "someone";
  return el("li", { className: mine ? "message mine" : "message" },
    el("span", { className: "author", textContent: author }),
    timeOf(message.created_at),
    el("p", { className: "text", textContent: message.text }));
}

function pendingItem(send) {
  const status = el("span", { className: "status" });
  if (send.status === "sending") status.textContent = "Sending…";
  else if (send.status === "sent") status.textContent = "Sent";
  else {
    const retry = el("button", { type: "button", className: "plain", textContent: "Retry" });
    retry.addEventListener("click", () => deliver(send));
    status.append(send.status === "waiting" ? "Not sent yet; retrying." : `Not sent: ${send.detail}`, retry);
    if (send.status === "failed") {
      const discard = el("button", { type: "button", className: "plain", textContent: "Discard" });
      discard.addEventListener("click", () => { state.pending.delete(send.key); renderMessages(); });
      status.append(discard);
    }
  }
  const item = el("li", { className: `message mine pending ${send.status}` },
    el("span", { className: "author", textContent: state.me.username }), status,
    el("p", { className: "text", textContent: send.text }));
  item.dataset.key = send.key;
  return item;
}

function renderMessages() {
  const log = byId("log");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const pending = [...state.pending.values()].filter((s) => s.chat === state.open);
  byId("messages").replaceChildren(...state.messages.map(messageItem), ...pending.map(pendingItem));
  byId("load-older").hidden = !state.hasOlder;
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function addMessages(messages) {
  // A message carrying a pending send's key is that send, whichever way it came.
  for (const m of messages) {
    const send = state.pending.get(m.client_msg_id);
    if (send && m.author === state.me.id && send.chat === m.chat) {
      clearTimeout(send.timer);
      state.pending.delete(send.key);
    }
  }
  const fresh = messages.filter((m) => m.chat === state.open && !state.shown.has(m.id));
  for (const m of fresh) state.shown.add(m.id);
  state.messages = [...state.messages, ...fresh].sort(messageOrder);
  return fresh.length;
}

async function openChat(id) {
  const chat = state.chats.get(id);
  if (!chat) return;
  const generation = ++state.generation;
  Object.assign(state, { open: id, messages: [], shown: new Set(), hasOlder: false });
  history.replaceState(null, "", `#chat=${id}`);
  byId("chat-title").textContent = chat.name;
  byId("send-form").hidden = false;
  renderChats();
  renderMessages();
  try {
    await learnNames(chat.users);
    const page = await call("/messages/get", { chat: id, limit: PAGE });
    if (generation !== state.generation) return;
    byId("chat-members-list").textContent =
      `Members: ${chat.users.map((u) => state.names.get(u)).join(", ")}`;
    addMessages(page.messages);
    state.hasOlder = page.has_more;
    renderMessages();
    byId("log").scrollTop = byId("log").scrollHeight;
  } catch (error) {
    showError(error);
  }
}

async function loadOlder() {
  if (!state.hasOlder || state.loadingOlder || state.messages.length === 0) return;
  state.loadingOlder = true;
  const generation = state.generation;
  const log = byId("log");
  try {
    const before = state.messages[0].id;
    const page = await call("/messages/get", { chat: state.open, before, limit: PAGE });
    if (generation !== state.generation) return;
    const height = log.scrollHeight;
    addMessages(page.messages);
    state.hasOlder = page.has_more;
    renderMessages();
    log.scrollTop += log.scrollHeight - height; // keep the reader's place
  } catch (error) {
    showError(error);
  } finally {
    state.loadingOlder = false;
  }
}

// A send shows at once as pending; it stays until the stream brings the
// message with its key, so it is never on screen twice.
async function deliver(send) {
  clearTimeout(send.timer);
  send.status = "sending";
  renderMessages();
  try {
    const { id } = await call("/messages/add",
      { chat: send.chat, author: state.me.id, text: send.text, client_msg_id: send.key });
    send.attempts = 0;
    if (state.shown.has(id) || !state.pending.has(send.key)) state.pending.delete(send.key);
    else send.status = "sent";
  } catch (error) {
    if (error.retryable) {
      send.status = "waiting";
      const wait = Math.min(RETRY_MOST_MS, 500 * 2 ** send.attempts++);
      send.timer = setTimeout(() => deliver(send), wait);
    } else {
      Object.assign(send, { status: "failed", detail: error.message });
    }
  }
  renderMessages();
}

function onMessage(message) {
  const chat = state.chats.get(message.chat);
  if (!chat) {
    loadChats().catch(showError);
  } else if (!chat.last_message_at || chat.last_message_at < message.created_at) {
    chat.last_message_at = message.created_at;
    renderChats();
  }
  addMessages([message]);
  if (message.chat === state.open) renderMessages();
}

// ---- the live stream -------------------------------------------------------

function openStream(opened) {
  const after = state.lastEventId ? `&after=${encodeURIComponent(state.lastEventId)}` : "";
  state.stream?.close(); // one stream per page, however often this is called
  const source = new EventSource(`/events?user=${encodeURIComponent(state.me.id)}${after}`);
  state.stream = source;
  const track = (handle) => (event) => {
    if (event.lastEventId) state.lastEventId = event.lastEventId;
    handle(JSON.parse(event.data));
  };
  source.addEventListener("open", () => { condition("stream", null); opened?.(); opened = null; });
  source.addEventListener("message", track(onMessage));
  source.addEventListener("chat", track((chat) => { state.chats.set(chat.id, chat); renderChats(); }));
  source.addEventListener("reset", () => {
    loadChats().then(() => state.open && openChat(state.open)).catch(showError);
  });
  source.addEventListener("error", () => {
    if (state.stream !== source) return;
    condition("stream", "Reconnecting to the live stream…");
    // The browser reconnects by itself unless the server refused the stream
    // (a 503 while the database is away): then try again from our position.
    if (source.readyState === EventSource.CLOSED) setTimeout(() => state.stream === source && openStream(opened), 2000);
  });
}

// ---- signing in ------------------------------------------------------------

async function signIn(username) {
  try {
    return await call("/users/get", { username });
  } catch (error) {
    if (error.code !== "user_not_found") throw error;
  }
  try {
    const { id } = await call("/users/add", { username });
    return await call("/users/get", { user: id });
  } catch (error) {
    // Someone took the name in the meantime: it is theirs, and now ours to pick.
    if (error.code === "username_taken") return call("/users/get", { username });
    throw error;
  }
}

async function start(me) {
  state.me = me;
  state.names.set(me.id, me.username);
  sessionStorage.setItem("chat.user", JSON.stringify(me));
  byId("me-name").textContent = me.username;
  byId("me").hidden = false;
  byId("sign-in").hidden = true;
  byId("chat-app").hidden = false;
  // The stream opens first, so nothing sent while the lists load is missed.
  await Promise.race([new Promise((resolve) => openStream(resolve)),
    new Promise((resolve) => setTimeout(resolve, 3000))]);
  await loadChats();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("chat");
  if (wanted && state.chats.has(wanted)) await openChat(wanted);
}

function signOut() {
  state.stream?.close();
  sessionStorage.removeItem("chat.user");
  location.hash = "";
  location.reload();
}

function guarded(handler) {
  return async (event) => {
    event.preventDefault();
    showError(null);
    try { await handler(event.currentTarget); } catch (error) { showError(error); }
  };
}

function wire() {
  byId("sign-in-form").addEventListener("submit", guarded(async (form) => {
    await start(await signIn(form.username.value.trim()));
  }));
  byId("new-chat-form").addEventListener("submit", guarded(createChat));
  byId("send-form").addEventListener("submit", guarded(async (form) => {
    const text = form.text.value;
    if (!text.trim() || !state.open) return;
    form.text.value = "";
    const send = { key: newKey(), chat: state.open, text, status: "sending", attempts: 0 };
    state.pending.set(send.key, send);
    byId("log").scrollTop = byId("log").scrollHeight;
    await deliver(send);
  }));
  byId("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId("send-form").requestSubmit();
    }
  });
  byId("switch-user").addEventListener("click", signOut);
  byId("load-older").addEventListener("click", loadOlder);
  byId("log").addEventListener("scroll", () => { if (byId("log").scrollTop < 80) loadOlder(); });
}

async function resume() {
  const saved = JSON.parse(sessionStorage.getItem("chat.user") || "null");
  if (saved) {
    try {
      await start(await call("/users/get", { user: saved.id }));
      return;
    } catch (error) {
      // The server away while the page loads: try again until it is back.
      if (error.retryable) { setTimeout(resume, 2000); return; }
      if (error.code !== "user_not_found") { showError(error); return; }
      sessionStorage.removeItem("chat.user");
    }
  }
  byId("sign-in").hidden = false;
  byId("username").focus();
}

wire();
resume();
