"""User-facing texts: Simplified Chinese by default, English for English-language users.

Texts are HTML for Telegram's `parse_mode=HTML`; every value put into them from a user
is escaped by `t()` (pass raw strings, never pre-escaped ones).
"""

from __future__ import annotations

import html
from typing import Any

LANGUAGES = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # main menu and help
    "start": (
        "{name}，您好！这里是<b>暖新</b>——新就业群体的掌上服务站。\n"
        "骑手、快递员、货车和网约车司机，有什么建议或难处，都可以告诉我们。",
        "Hello, {name}! This is <b>Nuanxin</b>, the pocket service point for riders, couriers "
        "and drivers. Tell the city what should change.",
    ),
    "menu.title": ("还需要什么？", "Anything else?"),
    "menu.suggest": ("📝 提建议", "📝 Make a suggestion"),
    "menu.my": ("📋 我的建议", "📋 My suggestions"),
    "menu.ask": ("❓ 问问题", "❓ Ask a question"),
    "menu.stations": ("📍 附近驿站", "📍 Nearby stations"),
    "menu.policies": ("📜 政策", "📜 Policies"),
    "menu.help": ("ℹ️ 帮助", "ℹ️ Help"),
    "menu.language": ("🌐 English", "🌐 中文"),
    "help": (
        "<b>可以这样用：</b>\n"
        "/suggest 提建议或反映诉求（默认匿名）\n"
        "/my 查看我的建议和答复\n"
        "/cancel 随时取消当前操作\n"
        "/language 切换中文 / English\n"
        "/start 回到主菜单\n"
        "/help 查看本帮助",
        "<b>What you can do:</b>\n"
        "/suggest make a suggestion or raise a problem (anonymous by default)\n"
        "/my see your suggestions and the answers\n"
        "/cancel stop what you are doing, at any step\n"
        "/language switch between 中文 and English\n"
        "/start back to the main menu\n"
        "/help this help",
    ),
    "help.staff": (
        "\n\n<b>工作人员：</b>\n"
        "/inbox [类别] [状态] 待办建议\n"
        "/view 编号 查看一条建议和记录\n"
        "/answer 编号 内容 直接答复\n"
        "/templates 常用答复；/template 名称 | 内容 保存\n"
        "/stats 每周统计图\n"
        "/export [xlsx|csv] 导出表格",
        "\n\n<b>Staff:</b>\n"
        "/inbox [category] [status] open suggestions\n"
        "/view CODE one suggestion and its history\n"
        "/answer CODE text answer directly\n"
        "/templates saved answers; /template NAME | TEXT to save one\n"
        "/stats weekly chart\n"
        "/export [xlsx|csv] spreadsheet",
    ),
    "help.privacy": (
        "\n/delete_me 删除我的身份信息",
        "\n/delete_me erase my identity",
    ),
    "language.set": ("已切换为中文。", "Switched to English."),
    "unknown_command": (
        "没有这个命令。发 /help 看看能做什么。",
        "I don't know that command. Send /help to see what I can do.",
    ),
    "error": (
        "抱歉，出了点问题，请稍后再试。",
        "Sorry, something went wrong. Please try again in a moment.",
    ),
    "flood": (
        "您发得太快了 🙏 请稍等几秒再发，刚才这几条没有处理。",
        "You are sending too fast 🙏 Please wait a few seconds; those messages were skipped.",
    ),
    "db_unavailable": (
        "系统有点忙，请过一会儿再试。您填的内容已保留。",
        "The system is busy. Please try again in a moment; what you entered is kept.",
    ),
    # suggestion conversation
    "suggest.ask_text": (
        "请说说您的建议或遇到的问题（可以配一张照片）。\n随时发 /cancel 可以取消。",
        "Tell us your suggestion or the problem you met (a photo is welcome).\n"
        "Send /cancel at any time to stop.",
    ),
    "suggest.daily_cap": (
        "今天已经提交了 {limit} 条建议，谢谢您！明天可以继续提。急事请拨 12345 热线。",
        "You have made {limit} suggestions today, thank you! You can make more tomorrow. "
        "For urgent matters call the 12345 hotline.",
    ),
    "suggest.too_long": (
        "内容有 {count} 个字，超过了 {limit} 字。请精简一下再发，原文没有被保存或截断。",
        "That is {count} characters, over the {limit} limit. Please shorten it and send it "
        "again; nothing was cut or kept.",
    ),
    "suggest.empty": (
        "内容是空的，请用文字说一说。",
        "That was empty. Please describe it in words.",
    ),
    "suggest.no_words": (
        "只看到表情或符号，请用几句话说一说具体情况。",
        "I only see emoji or symbols. Please describe it in a few words.",
    ),
    "suggest.photo_saved": (
        "照片收到了 📷 请再发一句文字，说说是什么情况。",
        "Photo received 📷 Please add a few words saying what it is about.",
    ),
    "suggest.photo_limit": (
        "照片最多 {limit} 张，这张没有加上。请发文字说明。",
        "At most {limit} photos; this one was not added. Please send the text.",
    ),
    "suggest.bad_document": (
        "这个文件不能作为照片。请直接发照片（不要选“文件”方式），或打字说明。",
        "That file cannot be used as a photo. Send it as a photo (not as a file), or type "
        "the text.",
    ),
    "suggest.image_too_big": (
        "这张图片文件太大了（超过 {mb}MB），不能作为照片。请用“照片”方式发送（会自动压缩）。",
        "That image file is too large (over {mb} MB) to use as a photo. Send it as a photo "
        "instead (it gets compressed).",
    ),
    "suggest.noted": ("👌 记下了", "👌 Noted"),
    "suggest.want_text": (
        "这一步需要文字。请打字说说您的建议，或发 /cancel 取消。",
        "This step needs text. Please type your suggestion, or send /cancel.",
    ),
    "suggest.busy": (
        "您正在提建议，请先完成或发 /cancel 取消，再用其他功能。",
        "You are in the middle of a suggestion. Finish it or send /cancel first.",
    ),
    "suggest.ask_worker": ("您是做什么工作的？", "What kind of work do you do?"),
    "suggest.want_button": (
        "请点上面的按钮选一个，或发 /cancel 取消。",
        "Please tap one of the buttons above, or send /cancel.",
    ),
    "suggest.ask_location": (
        "问题发生在哪里？可以点下方按钮发送位置，也可以直接打字写地点，或点“跳过”。",
        "Where did it happen? Tap the button below to share your location, type the place, "
        "or tap “Skip”.",
    ),
    "suggest.location_button": ("📍 发送我的位置", "📍 Share my location"),
    "suggest.skip": ("跳过", "Skip"),
    "suggest.place_too_long": (
        "地点写得太长了，请控制在 {limit} 字以内，或发送位置。",
        "The place is too long; keep it under {limit} characters, or share your location.",
    ),
    "suggest.want_location": (
        "请点“发送我的位置”、打字写地点，或点“跳过”。",
        "Tap “Share my location”, type the place, or tap “Skip”.",
    ),
    "suggest.ask_identity": (
        "工作人员可以看到是谁提的吗？\n默认<b>匿名</b>：工作人员看不到您的名字和电话。",
        "May staff see who sent this?\nThe default is <b>anonymous</b>: staff see neither "
        "your name nor your phone.",
    ),
    "suggest.anonymous": ("🙈 匿名提交（推荐）", "🙈 Stay anonymous (recommended)"),
    "suggest.named": ("🙋 可以显示我的名字", "🙋 Show my name"),
    "suggest.ask_phone": (
        "方便留个电话吗？只有工作人员能看到，用来联系您。",
        "Would you leave a phone number? Only staff see it, to contact you.",
    ),
    "suggest.phone_button": ("📞 发送我的电话", "📞 Share my phone number"),
    "suggest.no_phone": ("不留电话", "No phone"),
    "suggest.own_contact": (
        "请点“发送我的电话”按钮发送您自己的号码，或点“不留电话”。",
        "Tap “Share my phone number” to send your own number, or tap “No phone”.",
    ),
    "suggest.summary": (
        "<b>请确认您的建议：</b>\n\n{text}\n\n"
        "🏷 类别：{category}\n👷 身份：{worker}\n📍 地点：{place}\n🙈 {identity}{photos}",
        "<b>Please check your suggestion:</b>\n\n{text}\n\n"
        "🏷 Category: {category}\n👷 Work: {worker}\n📍 Place: {place}\n🙈 {identity}{photos}",
    ),
    "suggest.ask_category": (
        "这是关于【{name}】的建议吗？",
        "Is this about “{name}”?",
    ),
    "suggest.category_yes": ("✅ 是的", "✅ Yes"),
    "suggest.category_other": ("🔄 不是，我来选", "🔄 No, let me choose"),
    "suggest.pick_category": ("请选一个最接近的类别：", "Pick the closest category:"),
    "suggest.category_review": ("待工作人员分类", "staff will categorise it"),
    "suggest.summary_photos": ("\n📷 照片：{count} 张", "\n📷 Photos: {count}"),
    "suggest.no_place": ("未填写", "not given"),
    "suggest.shared_location": ("已发送位置", "location shared"),
    "suggest.identity_anonymous": ("匿名提交", "Anonymous"),
    "suggest.identity_named": ("实名：{name}{phone}", "Named: {name}{phone}"),
    "suggest.confirm": ("✅ 确认提交", "✅ Submit"),
    "suggest.edit": ("✏️ 修改", "✏️ Edit"),
    "suggest.cancel": ("✖️ 取消", "✖️ Cancel"),
    "suggest.edit_which": ("要修改哪一项？", "What would you like to change?"),
    "suggest.edit_text": ("建议内容", "The text"),
    "suggest.edit_worker": ("工作身份", "Kind of work"),
    "suggest.edit_location": ("地点", "Place"),
    "suggest.edit_category": ("类别", "Category"),
    "suggest.edit_identity": ("匿名 / 电话", "Anonymity / phone"),
    "suggest.back": ("↩️ 返回确认", "↩️ Back"),
    "suggest.receipt": (
        "✅ 已收到！您的建议编号是 <b>{code}</b>。\n"
        "工作人员会在 5 个工作日内受理并答复，答复会发到这里。\n"
        "随时发 /my 查看进度。",
        "✅ Received! Your suggestion number is <b>{code}</b>.\n"
        "Staff will review it within 5 working days; the answer will come here.\n"
        "Send /my to follow it.",
    ),
    "suggest.receipt_quote": ("📝 {text}", "📝 {text}"),
    "suggest.cancelled": (
        "已取消，什么也没有提交。需要时再发 /suggest。",
        "Cancelled; nothing was submitted. Send /suggest whenever you like.",
    ),
    "suggest.nothing_to_cancel": (
        "现在没有进行中的操作。",
        "There is nothing to cancel.",
    ),
    "suggest.timeout": (
        "⏰ 15 分钟没有操作，这次建议已结束，没有提交。想继续请重新发 /suggest。",
        "⏰ No reply for 15 minutes, so this suggestion was closed without submitting. "
        "Send /suggest to start again.",
    ),
    "suggest.stale": (
        "这个按钮已失效，之前的填写已结束。请重新发 /suggest 开始。",
        "That button has expired and the earlier draft is closed. Send /suggest to start again.",
    ),
    "suggest.restart_needed": (
        "抱歉，刚才的填写没能保存下来，请重新发 /suggest 开始。",
        "Sorry, your earlier draft could not be kept. Please send /suggest to start again.",
    ),
    "suggest.already": (
        "这条建议已经提交过了，编号 <b>{code}</b>。",
        "This suggestion was already submitted as <b>{code}</b>.",
    ),
    # my suggestions
    "my.empty": (
        "您还没有提过建议。发 /suggest 说说您的想法吧。",
        "You have not made any suggestions yet. Send /suggest to make one.",
    ),
    "my.header": ("<b>我的建议</b>（共 {total} 条）", "<b>My suggestions</b> ({total} in all)"),
    "my.item": (
        "<b>{code}</b>  {date}  【{status}】\n{text}",
        "<b>{code}</b>  {date}  [{status}]\n{text}",
    ),
    "my.answer": ("💬 答复：{answer}", "💬 Answer: {answer}"),
    "my.prev": ("⬅️ 上一页", "⬅️ Newer"),
    "my.next": ("下一页 ➡️", "Older ➡️"),
    "my.page": ("第 {page}/{pages} 页", "Page {page}/{pages}"),
    # staff chat
    "staff.new": (
        "🆕 <b>新建议 {code}</b>\n{category}\n👷 {worker}  📍 {place}\n👤 {who}\n\n{text}",
        "🆕 <b>New suggestion {code}</b>\n{category}\n👷 {worker}  📍 {place}\n👤 {who}\n\n{text}",
    ),
    "staff.anonymous": ("匿名", "anonymous"),
    "staff.uncategorized": ("🏷 未分类", "🏷 not categorised"),
    "staff.category": ("🏷 {name}", "🏷 {name}"),
    "staff.review": ("🏷 待人工分类", "🏷 needs a human to categorise"),
}

TEXTS.update(
    {
        # staff side
        "staff.refused": ("只有工作人员可以操作。", "Only staff can do this."),
        "staff.card": (
            "{body}\n\n📌 状态：{status}{extra}",
            "{body}\n\n📌 Status: {status}{extra}",
        ),
        "staff.by": ("（{who} {when}）", " ({who}, {when})"),
        "staff.followed_up": (
            "\n🔁 提交人反馈：问题还没解决",
            "\n🔁 The worker says it is not solved yet",
        ),
        "staff.answer_shown": ("\n💬 答复：{answer}", "\n💬 Answer: {answer}"),
        "staff.undelivered": (
            "\n⚠️ 未能送达提交人（{error}），已记录。",
            "\n⚠️ Could not reach the worker ({error}); recorded.",
        ),
        "staff.btn_accept": ("✅ 受理", "✅ Accept"),
        "staff.btn_progress": ("⏳ 办理中", "⏳ In progress"),
        "staff.btn_answer": ("💬 答复", "💬 Answer"),
        "staff.btn_category": ("🏷 改类别", "🏷 Category"),
        "staff.btn_adopt": ("👍 采纳", "👍 Adopted"),
        "staff.btn_reject": ("👎 不采纳", "👎 Not adopted"),
        "staff.btn_back": ("↩️ 返回", "↩️ Back"),
        "staff.updated": ("已更新：{status}", "Updated: {status}"),
        "staff.recategorized": ("类别已改为：{name}", "Category set to: {name}"),
        "staff.pick_category": ("选择新的类别：", "Pick the new category:"),
        "staff.not_found": ("找不到编号 {code}。", "No suggestion {code}."),
        "staff.view_usage": ("用法：/view 编号，例如 /view NX-20261128-0001", "Usage: /view CODE"),
        "staff.history": ("<b>记录</b>", "<b>History</b>"),
        "staff.event": ("{when} {what}{who}", "{when} {what}{who}"),
        "staff.inbox_header": (
            "<b>待办建议</b> {filters}（共 {total} 条）",
            "<b>Suggestions</b> {filters} ({total} in all)",
        ),
        "staff.inbox_empty": ("没有符合条件的建议。", "No suggestions match."),
        "staff.inbox_usage": (
            "用法：/inbox [类别] [状态]，类别如 {categories}；状态如 {statuses}",
            "Usage: /inbox [category] [status]; categories: {categories}; statuses: {statuses}",
        ),
        "staff.answer_prompt": (
            "✍️ {name}，请回复这条消息，写给 {code} 的答复（发 /cancel 取消）。",
            "✍️ {name}, reply to this message with the answer for {code} (/cancel to stop).",
        ),
        "staff.answer_templates": ("或者用常用答复：", "Or use a saved answer:"),
        "staff.answer_preview": (
            "<b>答复预览 {code}</b>\n\n{text}",
            "<b>Answer preview {code}</b>\n\n{text}",
        ),
        "staff.btn_send": ("📤 发送", "📤 Send"),
        "staff.btn_cancel": ("✖️ 取消", "✖️ Cancel"),
        "staff.answer_sent": ("✅ 答复已发送给 {code} 的提交人。", "✅ Answer sent for {code}."),
        "staff.answer_undelivered": (
            "⚠️ 答复已保存，但没能送到 {code} 的提交人（{error}）。可在 /view 查看。",
            "⚠️ Answer stored, but it could not reach the worker of {code} ({error}). See /view.",
        ),
        "staff.answer_stored": (
            "答复已保存。提交人已删除身份，无法再通知。",
            "Answer stored. The worker erased their identity and cannot be told.",
        ),
        "staff.answer_cancelled": ("已取消答复。", "Answer cancelled."),
        "staff.answer_usage": ("用法：/answer 编号 答复内容", "Usage: /answer CODE text"),
        "staff.answer_too_long": (
            "答复太长了（{count} 字），请控制在 {limit} 字以内。",
            "The answer is too long ({count} characters); keep it under {limit}.",
        ),
        "staff.templates_empty": (
            "还没有常用答复。用 /template 名称 | 内容 添加。",
            "No saved answers yet. Add one with /template NAME | TEXT.",
        ),
        "staff.templates_list": ("<b>常用答复</b>", "<b>Saved answers</b>"),
        "staff.template_saved": ("已保存常用答复 #{id}。", "Saved answer #{id}."),
        "staff.template_usage": (
            "用法：/template 名称 | 内容；删除：/template_del 编号",
            "Usage: /template NAME | TEXT; delete: /template_del ID",
        ),
        "staff.template_deleted": ("已删除。", "Deleted."),
        "staff.followup_notice": (
            "🔁 <b>{code}</b> 的提交人说问题还没解决，已重新打开。\n\n{text}",
            "🔁 The worker says <b>{code}</b> is not solved; reopened.\n\n{text}",
        ),
        "stats.title": (
            "近 {weeks} 周建议数量（按类别）",
            "Suggestions per week, last {weeks} weeks",
        ),
        "stats.caption": ("共 {total} 条\n{lines}", "{total} in all\n{lines}"),
        "export.caption": ("共 {rows} 条建议。", "{rows} suggestions."),
        "export.too_big": (
            "{rows} 条太多了，文件超过 50MB 发不出来。"
            "请加上日期或类别缩小范围，或用 nuanxin export。",
            "{rows} rows make a file over 50 MB, too big to send. Narrow it with dates or a "
            "category, or use `nuanxin export`.",
        ),
        "export.usage": (
            "看不懂“{bad}”。用法：/export [xlsx|csv] [开始日期 [结束日期]] [类别] [状态]，"
            "日期如 2026-11-01",
            "I don't understand “{bad}”. Usage: /export [xlsx|csv] [since [until]] [category] "
            "[status], dates like 2026-11-01",
        ),
        # FAQ
        "ask.prompt": (
            "想问什么？直接打字就行，比如“哪里能喝水”。",
            "What would you like to know? Just type it.",
        ),
        "ask.emergency": (
            "🚨 <b>{what}？先顾安全！</b>\n请立即拨打：{numbers}\n"
            "（110 报警 · 120 急救 · 122 交通事故 · 119 火警）",
            "🚨 <b>{what}? Safety first!</b>\nCall now: {numbers}\n(110 police · 120 ambulance · "
            "122 traffic accident · 119 fire)",
        ),
        "ask.choices": ("您是想问：", "Did you mean:"),
        "ask.none_of_these": ("都不是，转给工作人员", "None of these: ask staff"),
        "ask.unknown": (
            "这个问题我还答不上来 🙏 要转给工作人员吗？他们会在这里回复您。",
            "I don't know that one yet 🙏 Shall I pass it to staff? They will answer here.",
        ),
        "ask.pass_yes": ("转给工作人员", "Ask staff"),
        "ask.pass_no": ("不用了", "No thanks"),
        "ask.passed": (
            "已转给工作人员，有答复会发到这里。",
            "Passed to staff; the answer will come here.",
        ),
        "ask.not_passed": ("好的。还有问题随时问。", "OK. Ask me anything any time."),
        "ask.expired": (
            "找不到刚才的问题了，请再发一次。",
            "I lost that question; please send it again.",
        ),
        "ask.staff_notice": (
            "❓ <b>有人问</b>（FAQ 没有答案）：\n{text}",
            "❓ <b>A question</b> the FAQ could not answer:\n{text}",
        ),
        "ask.more": ("相关：", "See also:"),
        # stations
        "stations.ask": (
            "发个位置，帮您找最近的驿站（喝水、如厕、休息、充电）。\n不方便发位置？点下面的区县。",
            "Share your location and I'll find the nearest stations (water, toilet, rest, "
            "charging).\nRather not? Tap a district below.",
        ),
        "stations.share": ("📍 发送我的位置", "📍 Share my location"),
        "stations.header": ("<b>离您最近的驿站</b>{filter}", "<b>Nearest stations</b>{filter}"),
        "stations.district_header": (
            "<b>{district}的驿站</b>{filter}",
            "<b>Stations in {district}</b>{filter}",
        ),
        "stations.filter": ("（{name}）", " ({name})"),
        "stations.item": (
            "{n}. <b>{name}</b> {distance}\n   {type} · {open}\n   {services}\n"
            "   📍 {address}{phone}",
            "{n}. <b>{name}</b> {distance}\n   {type} · {open}\n   {services}\n"
            "   📍 {address}{phone}",
        ),
        "stations.open": ("🟢 营业中", "🟢 open now"),
        "stations.closed": ("⚪ 已关门", "⚪ closed now"),
        "stations.hours": ("（{hours}）", " ({hours})"),
        "stations.none": (
            "附近没有符合条件的驿站。试试别的条件？",
            "No station matches. Try another filter?",
        ),
        "stations.outside": (
            "您好像不在盘锦市区（离最近的驿站约 {km} 公里）。可以点区县看看各区的驿站。",
            "You seem to be outside Panjin (the nearest station is about {km} km away). Tap a "
            "district to browse its stations.",
        ),
        "stations.again": (
            "请重新发送位置，或选一个区县。",
            "Please share your location again, or pick a district.",
        ),
        "stations.f_water": ("💧 喝水", "💧 Water"),
        "stations.f_toilet": ("🚻 厕所", "🚻 Toilet"),
        "stations.f_rest": ("🛋 休息", "🛋 Rest"),
        "stations.f_charging": ("🔌 充电", "🔌 Charging"),
        "stations.f_health": ("🩺 测血压", "🩺 Health check"),
        "stations.f_open": ("🟢 现在开着", "🟢 Open now"),
        "stations.f_all": ("全部", "All"),
        # policies
        "policies.list": (
            "<b>政策与热线</b>（点开看详情）",
            "<b>Policies and hotlines</b> (tap to read)",
        ),
        "policies.back": ("↩️ 返回列表", "↩️ Back to the list"),
        "policies.missing": (
            "这条政策已更新，请重新打开 /policies。",
            "That policy changed; open /policies again.",
        ),
        # admin
        "admin.reloaded": ("✅ 已重新加载：{summary}", "✅ Reloaded: {summary}"),
        "admin.reload_failed": (
            "❌ 没有重新加载，{count} 个问题（继续使用之前的内容）：\n{problems}",
            "❌ Not reloaded, {count} problem(s) (the previous knowledge stays):\n{problems}",
        ),
        # worker side notifications
        "worker.status": (
            "📌 您的建议 <b>{code}</b> 有新进展：{status}。",
            "📌 Your suggestion <b>{code}</b> is now: {status}.",
        ),
        "worker.answer": (
            "💬 您的建议 <b>{code}</b> 有了答复：\n\n{answer}\n\n状态：{status}",
            "💬 Your suggestion <b>{code}</b> has an answer:\n\n{answer}\n\nStatus: {status}",
        ),
        "worker.btn_follow_up": ("🔁 问题还没解决", "🔁 Not solved yet"),
        "worker.followed_up": (
            "收到，已请工作人员继续跟进 {code}。",
            "Thanks, staff will follow up on {code}.",
        ),
        "worker.follow_up_once": (
            "这条建议已经反馈过一次了，工作人员正在跟进。",
            "You already asked for a follow-up on this one; staff are on it.",
        ),
        "worker.follow_up_open": (
            "这条建议工作人员还在处理，有答复会第一时间告诉您。",
            "Staff are still working on this one; you will hear as soon as there is an answer.",
        ),
        "button.refused": ("这个按钮不能用。", "That button cannot be used."),
        "button.expired": ("这个按钮已失效。", "That button has expired."),
        "delete.confirm": (
            "确定要删除您的身份信息吗？\n您提过的建议会保留用于统计，但不再和您有任何关联，"
            "之后也收不到答复。",
            "Erase your identity?\nYour suggestions stay for the statistics, with no link to "
            "you, and you will get no more answers.",
        ),
        "delete.yes": ("确定删除", "Yes, erase"),
        "delete.no": ("算了", "No"),
        "delete.done": (
            "已删除。{count} 条建议已和您断开关联。欢迎随时再来。",
            "Done. {count} suggestions are no longer linked to you. Welcome back any time.",
        ),
        "delete.kept": ("好的，什么也没删。", "OK, nothing was erased."),
    }
)

STATUS: dict[str, tuple[str, str]] = {
    "submitted": ("待受理", "submitted"),
    "received": ("已受理", "accepted"),
    "in_progress": ("办理中", "in progress"),
    "answered": ("已答复", "answered"),
    "adopted": ("已采纳", "adopted"),
    "not_adopted": ("未采纳", "not adopted"),
}

WORKER_TYPES: dict[str, tuple[str, str]] = {
    "rider": ("🛵 外卖骑手", "🛵 Delivery rider"),
    "courier": ("📦 快递员", "📦 Courier"),
    "truck": ("🚚 货车司机", "🚚 Truck driver"),
    "ride_hailing": ("🚕 网约车/出租车司机", "🚕 Ride-hailing / taxi driver"),
    "other": ("🙂 其他", "🙂 Other"),
}


def lang_of(code: str | None) -> str:
    """Our language for a Telegram language code: English for `en*`, Chinese otherwise."""
    return "en" if code and code.lower().startswith("en") else "zh"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def t(key: str, lang: str, **values: Any) -> str:
    """The text `key` in `lang`, with `values` HTML-escaped and filled in."""
    safe = {k: esc(v) for k, v in values.items()}
    return _pick(TEXTS[key], lang).format(**safe)


def t_html(key: str, lang: str, **values: str) -> str:
    """Like `t`, for values that are already safe HTML (built from `t` calls)."""
    return _pick(TEXTS[key], lang).format(**values)


def esc(value: object) -> str:
    """HTML-escape a user-supplied value for a formatted message."""
    return html.escape(str(value), quote=False)


def status_name(status: str, lang: str) -> str:
    return _pick(STATUS.get(status, (status, status)), lang)


def worker_name(worker_type: str | None, lang: str) -> str:
    if worker_type is None:
        return t("suggest.no_place", lang)
    return _pick(WORKER_TYPES.get(worker_type, (worker_type, worker_type)), lang)
