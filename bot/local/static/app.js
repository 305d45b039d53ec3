// The local workspace's page: polls /api/state, draws the DM, Home, the digest channel and the open modal, and
// posts what the lead does to the JSON API, which turns it into the requests Slack would send to the app.
"use strict";

const { el, renderBlocks, textObject, plain } = window.LC;
const shown = { dm: "", digest: "", home: "", modal: "", modalErrors: "", now: "" };
let state = null;
let threadTs = null;

async function post(path, body) {
  const answer = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
  });
  const reply = await answer.json().catch(() => ({ ok: false, error: "The local workspace did not answer." }));
  if (!reply.ok && reply.error) toast(reply.error);
  refresh();
  return reply;
}

function toast(text) {
  const node = document.getElementById("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

function people() {
  const all = { ...state.users };
  delete all[Object.keys(all).find((id) => all[id] === "Lead Coach")];
  return all;
}

function context(surface, extra) {
  const controls = [];
  return {
    users: state.users,
    people: people(),
    channels: state.channels,
    errors: (extra && extra.errors) || {},
    controls,
    control: (actionId, blockId, read) => controls.push({ actionId, blockId, read }),
    act: (action) => post("/api/action", { surface, action: { ...action, state: extra && extra.state ? { values: extra.state() } : undefined }, ...(extra && extra.target) }),
    suggest: async (actionId, blockId, value) => {
      const reply = await post("/api/options", { view_id: extra.target.view_id, action_id: actionId, block_id: blockId, value });
      return reply.options;
    },
  };
}

function values(controls) {
  const result = {};
  for (const { actionId, blockId, read } of controls) {
    result[blockId] = result[blockId] || {};
    result[blockId][actionId] = read();
  }
  return result;
}

function messageNode(message, inThread, threads) {
  const bot = message.user !== state.lead;
  const name = state.users[message.user] || message.user;
  const body = el("div", { className: "body" }, el("span", { className: "who", text: name }));
  if (message.ephemeral) body.append(el("div", { className: "ephemeral-note", text: "Only visible to you" }));
  const ctx = context("message", { target: { message_ts: message.ts } });
  if (message.blocks && message.blocks.length) body.append(renderBlocks(message.blocks, ctx));
  else if (message.text) body.append(textObject({ type: "mrkdwn", text: message.text }, ctx));
  for (const file of message.files || []) {
    body.append(el("figure", { className: "file" }, el("div", { className: "title", text: file.title }),
      el("img", { src: `/files/${encodeURIComponent(file.id)}`, alt: file.title })));
  }
  const replies = message.replies || [];
  if (!inThread && !message.ephemeral) {
    const thread = el("div", { className: "replies", hidden: replies.length === 0 });
    replies.forEach((reply) => thread.append(messageNode(reply, true, false)));
    body.append(thread);
  }
  if (!inThread && threads && !message.ephemeral) {
    body.append(el("button", {
      className: "reply-link", type: "button",
      text: replies.length ? `${replies.length} ${replies.length === 1 ? "reply" : "replies"} · Reply in thread` : "Reply in thread",
      onclick: () => { threadTs = message.ts; showThreadTarget(); document.getElementById("box").focus(); },
    }));
  }
  const node = el("div", { className: "message", "data-ts": message.ts, "data-user": message.user },
    el("div", { className: `avatar ${bot ? "bot" : ""}`, text: name.slice(0, 1) }), body);
  return node;
}

function drawConversation(id, messages, key) {
  const signature = JSON.stringify(messages);
  if (signature === shown[key]) return;
  shown[key] = signature;
  const pane = document.getElementById(id);
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  // Only the DM has a message box: the channel's threads are shown, not answered.
  pane.replaceChildren(...messages.map((message) => messageNode(message, false, key === "dm")));
  if (atBottom || key === "dm") pane.scrollTop = pane.scrollHeight;
}

function drawHome() {
  const signature = JSON.stringify(state.home);
  if (signature === shown.home) return;
  shown.home = signature;
  const pane = document.getElementById("home");
  if (!state.home) {
    pane.replaceChildren(el("p", { className: "hint-text", text: "The app has not published a Home tab yet." }));
    return;
  }
  let controls = [];
  const ctx = context("home", { state: () => values(controls), target: {} });
  controls = ctx.controls;
  pane.replaceChildren(renderBlocks(state.home.blocks, ctx));
}

function drawModal() {
  const backdrop = document.getElementById("modal-backdrop");
  const modal = state.modal;
  if (!modal) {
    backdrop.hidden = true;
    shown.modal = "";
    return;
  }
  const { errors, ...view } = modal;
  const signature = JSON.stringify(view);
  const errorSignature = JSON.stringify(errors);
  if (signature === shown.modal && errorSignature === shown.modalErrors) return;
  const box = document.getElementById("modal");
  if (signature === shown.modal) {
    // The same view with new field errors: keep what the lead typed, change only the errors.
    box.querySelectorAll(".field-error").forEach((node) => node.remove());
    for (const [blockId, text] of Object.entries(errors || {})) {
      const field = box.querySelector(`[data-block-id="${CSS.escape(blockId)}"]`);
      if (field) field.append(el("div", { className: "field-error", role: "alert", text }));
    }
    shown.modalErrors = errorSignature;
    return;
  }
  shown.modal = signature;
  shown.modalErrors = errorSignature;
  let controls = [];
  const ctx = context("modal", { state: () => values(controls), target: { view_id: view.id }, errors });
  controls = ctx.controls;
  const foot = el("div", { className: "modal-foot" },
    el("button", { type: "button", className: "el-button", id: "modal-close", text: plain(view.close) || "Close",
      onclick: () => post("/api/close", { view_id: view.id }) }));
  if (view.submit) {
    foot.append(el("button", { type: "button", className: "el-button primary", id: "modal-submit", text: plain(view.submit),
      onclick: () => post("/api/submit", { view_id: view.id, values: values(controls) }) }));
  }
  box.replaceChildren(
    el("div", { className: "modal-head", text: plain(view.title) }),
    el("div", { className: "modal-body" }, renderBlocks(view.blocks, ctx)),
    foot);
  backdrop.hidden = false;
}

function drawClock() {
  document.getElementById("now").textContent = `${state.now} · ${state.zone}`;
  const signature = JSON.stringify(state.jumps);
  if (signature === shown.now) return;
  shown.now = signature;
  document.getElementById("jumps").replaceChildren(...state.jumps.map((jump) => el("button", {
    type: "button", className: "jump", "data-jump": jump.name, text: jump.label,
    onclick: async (event) => {
      const buttons = document.querySelectorAll("#jumps button");
      buttons.forEach((button) => { button.disabled = true; });
      document.getElementById("busy").hidden = false;
      try { await post("/api/clock", { jump: jump.name }); } finally {
        document.getElementById("busy").hidden = true;
        buttons.forEach((button) => { button.disabled = false; });
      }
    },
  })));
}

function draw() {
  drawClock();
  drawConversation("dm", state.dm.messages, "dm");
  drawConversation("channel", state.digest.messages, "digest");
  drawHome();
  drawModal();
  const list = document.getElementById("people");
  if (!list.childElementCount) {
    list.append(...Object.entries(people()).map(([id, name]) => el("li", { text: id === state.lead ? `${name} (you)` : name })));
  }
}

async function refresh() {
  try {
    const answer = await fetch("/api/state");
    state = await answer.json();
    draw();
  } catch (error) {
    document.getElementById("now").textContent = "The local workspace stopped.";
  }
}

function showThreadTarget() {
  document.getElementById("thread-target").hidden = !threadTs;
}

function showPane(name) {
  document.getElementById("coach").hidden = name !== "coach";
  document.getElementById("digest").hidden = name !== "digest";
  document.querySelectorAll("#sidebar .conv").forEach((button) => button.classList.toggle("active", button.dataset.target === name));
}

function showTab(name) {
  document.getElementById("messages").hidden = name !== "messages";
  document.getElementById("home").hidden = name !== "home";
  for (const tab of ["messages", "home"]) {
    const button = document.getElementById(`tab-${tab}`);
    button.classList.toggle("active", tab === name);
    button.setAttribute("aria-selected", String(tab === name));
  }
  if (name === "home") post("/api/home");
}

document.getElementById("open-coach").addEventListener("click", () => showPane("coach"));
document.getElementById("open-digest").addEventListener("click", () => showPane("digest"));
document.getElementById("tab-messages").addEventListener("click", () => showTab("messages"));
document.getElementById("tab-home").addEventListener("click", () => showTab("home"));
document.getElementById("leave-thread").addEventListener("click", () => { threadTs = null; showThreadTarget(); });
document.getElementById("box").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    document.getElementById("composer").requestSubmit();
  }
});
document.getElementById("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = document.getElementById("box");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  if (text.startsWith("/")) await post("/api/command", { text });
  else await post("/api/message", { text, thread_ts: threadTs });
});

refresh();
setInterval(refresh, 700);
