// Block Kit and mrkdwn, drawn the way Slack draws them for this app. Every string from the app is escaped:
// mrkdwn becomes HTML only through escapeHtml plus tags this file writes; everything else goes in as text.
(() => {
"use strict";

const EMOJI = {
  wave: "👋", palm_tree: "🌴", scales: "⚖️", mag: "🔍", lock: "🔒", jigsaw: "🧩", handshake: "🤝",
  double_vertical_bar: "⏸️", "1": "1️⃣", white_check_mark: "✅", x: "❌", tada: "🎉", bulb: "💡",
  warning: "⚠️", calendar: "📅", chart_with_upwards_trend: "📈", memo: "📝", fire: "🔥", star: "⭐",
  raised_hands: "🙌", thumbsup: "👍", "+1": "👍", clock4: "🕓", seedling: "🌱", speech_balloon: "💬",
};

function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function unescapeSlack(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

// One angle-bracket token of Slack's markup: a mention, a channel, a special mention, a date or a link.
function token(inner, ctx) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const name = ctx.users[target.slice(1)] || label || target.slice(1);
    return `<span class="mention">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const name = ctx.channels[target.slice(1)] || label || target.slice(1);
    return `<span class="mention">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("!")) {
    if (target.startsWith("!date^")) return escapeHtml(label || "");
    return `<span class="mention">@${escapeHtml(label || target.slice(1).split("^")[0])}</span>`;
  }
  const url = unescapeSlack(target);
  if (!/^(https?:|mailto:)/i.test(url)) return escapeHtml(unescapeSlack(label || target));
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(unescapeSlack(label || url))}</a>`;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

// Inline mrkdwn of one line: tokens and code spans are set aside first, so that bold, italic and strike never
// reach into them; the rest is escaped, then formatted with tags of our own.
function inline(line, ctx) {
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let text = line.replace(/<([^<>\n]+)>/g, (whole, inner) => hold(token(inner, ctx)));
  text = text.replace(/`([^`\n]+)`/g, (whole, code) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  text = escapeHtml(emoji(unescapeSlack(text)));
  const edge = "(^|[\\s(\\u0000\"'])";
  const end = "(?=$|[\\s.,;:!?)\\u0000\"'])";
  text = text.replace(new RegExp(edge + "\\*([^*\\n]+?)\\*" + end, "g"), "$1<strong>$2</strong>");
  text = text.replace(new RegExp(edge + "_([^_\\n]+?)_" + end, "g"), "$1<em>$2</em>");
  text = text.replace(new RegExp(edge + "~([^~\\n]+?)~" + end, "g"), "$1<s>$2</s>");
  return text.replace(/\u0000(\d+)\u0000/g, (whole, index) => held[Number(index)]);
}

// mrkdwn to HTML: code blocks, quotes, bulleted and numbered lines, then inline formatting.
function mrkdwn(text, ctx) {
  const parts = String(text || "").split("```");
  let html = "";
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      html += `<pre>${escapeHtml(unescapeSlack(part.replace(/^\n/, "")))}</pre>`;
      return;
    }
    const lines = part.split("\n");
    lines.forEach((line, at) => {
      const quote = line.match(/^(&gt;|>)\s?(.*)$/);
      const bullet = line.match(/^(\s*)([•◦▪\-*]|\d+[.)])\s+(.*)$/);
      if (quote) html += `<blockquote>${inline(quote[2], ctx)}</blockquote>`;
      else if (bullet && !/^\*[^*]+\*/.test(line.trim())) {
        const mark = /\d/.test(bullet[2]) ? bullet[2] : "•";
        html += `<div class="li">${escapeHtml(mark)} ${inline(bullet[3], ctx)}</div>`;
      } else html += inline(line, ctx) + (at < lines.length - 1 ? "<br>" : "");
    });
  });
  return html;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// A text object: mrkdwn through the escaping renderer, plain_text as text.
function textObject(object, ctx, className) {
  const node = el("div", { className: (className || "") + " mrkdwn" });
  if (!object) return node;
  if (object.type === "mrkdwn") node.innerHTML = mrkdwn(object.text, ctx);
  else node.textContent = emoji(String(object.text || ""));
  return node;
}

function plain(object) {
  return object ? emoji(String(object.text || "")) : "";
}

function optionsOf(element) {
  if (element.options) return element.options;
  return (element.option_groups || []).flatMap((group) => group.options || []);
}

function sameOption(a, b) {
  return a && b && a.value === b.value;
}

// One interactive element. `ctx.control(element, blockId, read)` registers how to read its value for a view's
// state; `ctx.act(action)` sends a block action.
function element(item, blockId, ctx, inInput) {
  const id = item.action_id || `${blockId}-action`;
  const fire = (fields) => ctx.act({ type: item.type, action_id: id, block_id: blockId, ...fields });
  const live = !inInput || item.dispatch_action;
  switch (item.type) {
    case "button": {
      const button = el("button", {
        type: "button", className: `el-button ${item.style || ""}`, text: plain(item.text), "data-action-id": id,
        onclick: () => {
          if (item.confirm && !window.confirm(plain(item.confirm.text))) return;
          if (item.url && /^https?:/i.test(item.url)) window.open(item.url, "_blank", "noopener");
          fire({ value: item.value, text: item.text });
        },
      });
      return button;
    }
    case "image":
      return el("img", { src: item.image_url, alt: item.alt_text || "", className: "el-image" });
    case "plain_text_input": {
      const input = item.multiline
        ? el("textarea", { rows: 4, "data-action-id": id })
        : el("input", { type: "text", "data-action-id": id });
      if (item.initial_value) input.value = item.initial_value;
      if (item.placeholder) input.placeholder = plain(item.placeholder);
      if (item.max_length) input.maxLength = item.max_length;
      ctx.control(id, blockId, () => ({ type: item.type, value: input.value || null }));
      return input;
    }
    case "number_input": {
      const input = el("input", { type: "number", step: item.is_decimal_allowed ? "any" : "1", "data-action-id": id });
      if (item.initial_value) input.value = item.initial_value;
      ctx.control(id, blockId, () => ({ type: item.type, value: input.value || null }));
      return input;
    }
    case "static_select":
    case "overflow":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
      return select(item, id, blockId, ctx, live, fire, false);
    case "multi_static_select":
    case "multi_users_select":
    case "multi_conversations_select":
    case "multi_channels_select":
      return select(item, id, blockId, ctx, live, fire, true);
    case "checkboxes":
    case "radio_buttons":
      return choices(item, id, blockId, ctx, live, fire);
    case "datepicker":
    case "timepicker": {
      const date = item.type === "datepicker";
      const input = el("input", { type: date ? "date" : "time", "data-action-id": id });
      input.value = (date ? item.initial_date : item.initial_time) || "";
      const field = date ? "selected_date" : "selected_time";
      const read = () => ({ type: item.type, [field]: input.value || null });
      ctx.control(id, blockId, read);
      if (live) input.addEventListener("change", () => fire({ [field]: input.value }));
      return input;
    }
    default:
      return el("span", { className: "hint-text", text: `[${item.type}]` });
  }
}

function select(item, id, blockId, ctx, live, fire, multiple) {
  const kind = item.type.replace("multi_", "");
  const node = el("select", { "data-action-id": id, multiple });
  let options = [];
  let initial = [];
  if (kind === "users_select") {
    options = Object.entries(ctx.people).map(([value, name]) => ({ text: { type: "plain_text", text: name }, value }));
    initial = [item.initial_user, ...(item.initial_users || [])].filter(Boolean).map((value) => ({ value }));
  } else if (kind === "conversations_select" || kind === "channels_select") {
    options = Object.entries(ctx.channels).map(([value, name]) => ({ text: { type: "plain_text", text: `#${name}` }, value }));
    initial = [item.initial_conversation, item.initial_channel, ...(item.initial_conversations || []), ...(item.initial_channels || [])]
      .filter(Boolean).map((value) => ({ value }));
  } else {
    initial = [item.initial_option, ...(item.initial_options || [])].filter(Boolean);
    // An external select's options come from the app as the lead types; until then, what it starts with.
    options = kind === "external_select" ? initial.slice() : optionsOf(item);
  }
  const fill = (list) => {
    node.replaceChildren();
    if (!multiple) node.append(el("option", { value: "", text: plain(item.placeholder) || (kind === "overflow" ? "⋯" : "Choose…") }));
    list.forEach((option, index) => {
      const chosen = initial.some((one) => sameOption(one, option));
      node.append(el("option", { value: String(index), text: plain(option.text), selected: chosen }));
    });
    options = list;
  };
  fill(options);
  const picked = () => [...node.selectedOptions].filter((o) => o.value !== "").map((o) => options[Number(o.value)]);
  const value = () => {
    const chosen = picked();
    if (kind === "users_select") return multiple ? { selected_users: chosen.map((o) => o.value) } : { selected_user: chosen[0] ? chosen[0].value : null };
    if (kind === "conversations_select") return multiple ? { selected_conversations: chosen.map((o) => o.value) } : { selected_conversation: chosen[0] ? chosen[0].value : null };
    if (kind === "channels_select") return multiple ? { selected_channels: chosen.map((o) => o.value) } : { selected_channel: chosen[0] ? chosen[0].value : null };
    return multiple ? { selected_options: chosen } : { selected_option: chosen[0] || null };
  };
  ctx.control(id, blockId, () => ({ type: item.type, ...value() }));
  if (live) node.addEventListener("change", () => fire(value()));
  if (kind !== "external_select") return node;
  // Options from the app: what the lead types is sent as a block_suggestion, as Slack does.
  const search = el("input", { type: "text", placeholder: "Type to search", "data-search-for": id });
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const list = await ctx.suggest(id, blockId, search.value);
      if (list) fill(list);
    }, 250);
  });
  return el("div", { className: "external" }, search, node);
}

function choices(item, id, blockId, ctx, live, fire) {
  const radio = item.type === "radio_buttons";
  const group = el("div", { className: "choices", "data-action-id": id });
  const inputs = [];
  const initial = radio ? [item.initial_option].filter(Boolean) : item.initial_options || [];
  (item.options || []).forEach((option, index) => {
    const input = el("input", { type: radio ? "radio" : "checkbox", name: `${blockId}-${id}`, value: String(index) });
    input.checked = initial.some((one) => sameOption(one, option));
    inputs.push(input);
    const label = el("label", { className: "choice" }, input, " ", textObject(option.text, ctx, "inline"));
    label.querySelector(".inline").style.display = "inline";
    if (option.description) label.append(textObject(option.description, ctx, "description"));
    group.append(label);
  });
  const value = () => {
    const chosen = inputs.filter((input) => input.checked).map((input) => item.options[Number(input.value)]);
    return radio ? { selected_option: chosen[0] || null } : { selected_options: chosen };
  };
  ctx.control(id, blockId, () => ({ type: item.type, ...value() }));
  if (live) group.addEventListener("change", () => fire(value()));
  return group;
}

function block(item, index, ctx) {
  const blockId = item.block_id || `block-${index}`;
  switch (item.type) {
    case "header":
      return el("div", { className: "blk blk-header", text: plain(item.text) });
    case "divider":
      return el("hr", { className: "blk blk-divider" });
    case "section": {
      const node = el("div", { className: "blk blk-section" });
      const text = el("div", { className: "text" });
      if (item.text) text.append(textObject(item.text, ctx));
      if (item.fields) text.append(el("div", { className: "blk-fields" }, ...item.fields.map((field) => textObject(field, ctx))));
      node.append(text);
      if (item.accessory) node.append(element(item.accessory, blockId, ctx, false));
      return node;
    }
    case "context":
      return el("div", { className: "blk blk-context" }, ...(item.elements || []).map((part) =>
        part.type === "image" ? el("img", { src: part.image_url, alt: part.alt_text || "" }) : textObject(part, ctx, "inline")));
    case "actions":
      return el("div", { className: "blk blk-actions" }, ...(item.elements || []).map((part) => element(part, blockId, ctx, false)));
    case "image": {
      const src = item.image_url || (item.slack_file && item.slack_file.url) || "";
      return el("figure", { className: "blk blk-image" },
        item.title ? el("div", { className: "title", text: plain(item.title) }) : null,
        el("img", { src, alt: item.alt_text || "" }));
    }
    case "file":
      return el("div", { className: "blk hint-text", text: `[file ${item.external_id || ""}]` });
    case "input": {
      const node = el("div", { className: "blk blk-input", "data-block-id": blockId });
      const label = el("label", { className: "label", text: plain(item.label) });
      if (item.optional) label.append(el("span", { className: "optional", text: " (optional)" }));
      node.append(label, element(item.element, blockId, ctx, true));
      if (item.hint) node.append(el("div", { className: "hint-text", text: plain(item.hint) }));
      const error = ctx.errors[blockId];
      if (error) node.append(el("div", { className: "field-error", role: "alert", text: error }));
      return node;
    }
    case "rich_text":
      return el("div", { className: "blk", text: richText(item) });
    default:
      return el("div", { className: "blk hint-text", text: `[${item.type} block]` });
  }
}

function richText(item) {
  const walk = (node) => (node.text || "") + (node.elements || []).map(walk).join("");
  return walk(item);
}

// The blocks of a message or a view, drawn into a fragment.
function renderBlocks(blocks, ctx) {
  const fragment = document.createDocumentFragment();
  (blocks || []).forEach((item, index) => fragment.append(block(item, index, ctx)));
  return fragment;
}

window.LC = { escapeHtml, mrkdwn, renderBlocks, textObject, el, plain };
})();
