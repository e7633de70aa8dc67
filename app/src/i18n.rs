//! Chinese first, English second. The seed's words are the Chinese labels.

use serde::{Deserialize, Serialize};

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The cookie that remembers the language choice.
pub const LANG_COOKIE: &str = "bpm_lang";

impl Lang {
    /// The value stored in the cookie and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a cookie value; anything unknown means Chinese.
    pub fn from_code(code: &str) -> Lang {
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The language named in a `Cookie` header (or `document.cookie`) string.
    pub fn from_cookie_header(header: &str) -> Lang {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .map(|(_, v)| Lang::from_code(v))
            .unwrap_or_default()
    }
}

/// (key, 中文, English). Keys are grouped by screen.
const LABELS: &[(&str, &str, &str)] = &[
    ("app.title", "BPM后台管理", "BPM Console"),
    ("app.subtitle", "流程管理", "Process management"),
    ("nav.home", "概览", "Overview"),
    ("nav.catalog", "目录", "Catalog"),
    ("nav.deployments", "部署", "Deployment"),
    ("nav.models", "模型", "Models"),
    ("nav.tasks", "任务", "Tasks"),
    ("nav.instances", "实例", "Instances"),
    ("nav.jobs", "作业", "Jobs"),
    ("nav.events", "事件", "Events"),
    ("nav.tenants", "租户", "Tenants"),
    ("nav.org", "机构", "Organisation"),
    ("header.tenant", "租户", "Tenant"),
    ("header.all_tenants", "全部租户", "All tenants"),
    ("header.language", "语言", "Language"),
    ("header.sign_out", "退出", "Sign out"),
    ("header.sign_out_everywhere", "全部退出", "Sign out everywhere"),
    ("header.sign_out_everywhere_hint", "结束此账号在所有浏览器上的会话", "End this account's sessions in every browser"),
    ("header.sign_out_everywhere_confirm", "结束此账号在所有浏览器和设备上的会话？", "End this account's sessions in every browser and on every device?"),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("common.add", "新增", "Add"),
    ("common.edit", "编辑", "Edit"),
    ("common.delete", "删除", "Delete"),
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.ok", "确定", "OK"),
    ("common.search", "查询", "Search"),
    ("common.loading", "加载中…", "Loading…"),
    ("common.done", "操作成功", "Done"),
    ("common.failed", "操作失败", "Failed"),
    ("common.name", "名称", "Name"),
    ("common.code", "编码", "Code"),
    ("common.id", "标识", "Id"),
    ("common.created", "创建时间", "Created"),
    ("common.confirm_delete", "确定要删除吗？", "Delete this?"),
    ("common.coming", "此功能将在后续版本中提供。", "This screen is being built."),
    ("home.tenants", "租户", "Tenants"),
    ("home.units", "机构", "Organisation units"),
    ("home.people", "人员", "People"),
    ("home.catalog", "目录节点", "Catalog nodes"),
    ("home.signed_in_as", "当前用户", "Signed in as"),
    ("catalog.title", "流程目录", "Process catalog"),
    ("catalog.root", "（顶层）", "(top level)"),
    ("catalog.parent", "上级目录", "Parent"),
    ("catalog.new", "新增目录", "New catalog node"),
    ("catalog.edit", "编辑目录", "Edit catalog node"),
    (
        "catalog.empty",
        "目录为空，点击“新增”创建第一个目录。",
        "The catalog is empty; click Add to create the first node.",
    ),
    ("catalog.select", "在左侧选择一个目录，或点击“新增”。", "Select a node on the left, or click Add."),
    ("catalog.all", "全部目录", "All categories"),
    ("deploy.title", "流程部署", "Process deployment"),
    ("deploy.deploy", "部署", "Deploy"),
    (
        "deploy.choose",
        "选择文件（可多选），或将 .bpmn 文件拖放到此处",
        "Choose files (several at once) or drop .bpmn files here",
    ),
    ("deploy.target", "部署到", "Deploy into"),
    ("deploy.uploading", "正在上传并部署…", "Uploading and deploying…"),
    ("deploy.failed", "部署失败", "Deployment failed"),
    ("deploy.ok", "部署成功", "Deployed"),
    ("deploy.unchanged", "内容未变化，未生成新版本", "unchanged: no new version"),
    ("deploy.warning", "暂不支持", "not supported yet"),
    ("deploy.search_ph", "名称或标识", "Name or key"),
    ("deploy.empty", "此目录下没有已部署的流程。", "No process is deployed in this category."),
    ("def.key", "标识", "Key"),
    ("def.version", "版本", "Version"),
    ("def.tenant", "租户", "Tenant"),
    ("def.deployed_at", "部署时间", "Deployed"),
    ("def.running", "运行实例", "Running instances"),
    ("def.file", "文件", "File"),
    ("def.not_startable", "不可启动", "Not startable"),
    ("def.startable", "可启动", "Startable"),
    ("def.view", "查看", "View"),
    ("def.convert", "转换为模型", "Convert to model"),
    ("def.converted", "已转换为模型", "Converted to a model"),
    ("def.diagram", "流程图", "Diagram"),
    ("def.xml", "XML", "XML"),
    ("def.versions", "版本", "Versions"),
    ("def.reasons", "不可启动的原因", "Why it cannot be started"),
    ("page.prev", "上一页", "Previous"),
    ("page.next", "下一页", "Next"),
    ("models.title", "流程模型", "Process models"),
    (
        "models.empty",
        "此目录下没有模型。在“部署”中可将已部署的流程转换为模型。",
        "No model in this category. Convert a deployed definition on the Deployment screen.",
    ),
    ("models.updated", "修改时间", "Updated"),
    ("models.deploy", "部署为新版本", "Deploy as next version"),
    ("models.select", "选择一个模型查看和编辑。", "Select a model to view and edit it."),
    ("nav.tokens", "API令牌", "API tokens"),
    ("tokens.title", "API 令牌", "API tokens"),
    (
        "tokens.hint",
        "应用通过 HTTP 接口（/api/v1）调用时在请求头中携带：Authorization: Bearer <令牌>。",
        "Applications calling the HTTP API (/api/v1) send: Authorization: Bearer <token>.",
    ),
    ("tokens.new", "新建令牌", "New token"),
    ("tokens.secret", "请立即复制此令牌，它不会再次显示：", "Copy this token now; it will not be shown again:"),
    ("tokens.created_by", "创建人", "Created by"),
    ("tokens.last_used", "最近使用", "Last used"),
    ("tokens.status", "状态", "Status"),
    ("tokens.active", "有效", "Active"),
    ("tokens.revoked", "已吊销", "Revoked"),
    ("tokens.revoke", "吊销", "Revoke"),
    ("tokens.all_tenants", "全部租户", "All tenants"),
    ("tenants.title", "租户", "Tenants"),
    ("tenants.new", "新增租户", "New tenant"),
    (
        "tenants.rename_hint",
        "点击名称可直接修改，回车保存，Esc 取消。",
        "Click a name to rename it; Enter saves, Esc cancels.",
    ),
    ("org.title", "组织机构", "Organisation"),
    ("org.person", "人员", "Person"),
    ("org.unit", "机构", "Organisation unit"),
    ("org.groups", "用户组", "Groups"),
    ("org.target", "当前租户", "Tenant"),
    ("org.new_unit", "新增机构", "New unit"),
    ("org.parent", "上级机构", "Parent unit"),
    ("org.new_person", "新增人员", "New person"),
    ("org.pick_unit", "（选择机构）", "(choose a unit)"),
    ("org.groups_ph", "多个用逗号分隔", "comma-separated"),
    ("state.running", "运行", "Running"),
    ("state.suspended", "挂起", "Suspended"),
    ("state.terminated", "终止", "Terminated"),
    ("state.completed", "完成", "Completed"),
    ("inst.title", "流程实例", "Process instances"),
    ("inst.tab.all", "全部", "All"),
    ("inst.tab.completed", "完成", "Completed"),
    ("inst.tab.unfinished", "未完成", "Unfinished"),
    ("inst.process", "流程名称", "Process"),
    ("inst.search_ph", "流程定义名称", "Definition name"),
    ("inst.business_key", "业务标识", "Business key"),
    ("inst.initiator", "发起人", "Initiator"),
    ("inst.start", "开始时间", "Started"),
    ("inst.end", "结束时间", "Ended"),
    ("inst.from", "开始日期从", "Started from"),
    ("inst.to", "至", "to"),
    ("inst.sort_newest", "最新在前（点击切换）", "Newest first (click to change)"),
    ("inst.sort_oldest", "最早在前（点击切换）", "Oldest first (click to change)"),
    ("inst.state", "状态", "State"),
    ("inst.current", "当前环节", "Current activities"),
    ("inst.incidents", "异常", "Incidents"),
    (
        "inst.has_incidents",
        "此实例有未解决的异常，见下方“异常”。",
        "This instance has open incidents; see Incidents below.",
    ),
    ("inst.empty", "没有符合条件的流程实例。", "No process instance matches."),
    ("inst.adjust", "调整", "Adjust"),
    ("inst.suspend", "挂起", "Suspend"),
    ("inst.resume", "恢复", "Resume"),
    ("inst.terminate", "终止", "Terminate"),
    (
        "inst.confirm_suspend",
        "挂起后，实例的任务不能办理，作业暂停执行，直到恢复。确定挂起吗？",
        "While suspended, its tasks cannot be completed and its jobs wait. Suspend it?",
    ),
    (
        "inst.confirm_resume",
        "恢复后实例从挂起时的状态继续执行。确定恢复吗？",
        "It continues where it was suspended. Resume it?",
    ),
    (
        "inst.confirm_terminate",
        "终止后实例不能再恢复，其待办任务将被取消。确定终止吗？",
        "A terminated instance cannot be resumed; its open tasks are cancelled. Terminate it?",
    ),
    ("inst.adjust_title", "调整流程实例", "Adjust the instance"),
    ("inst.adjust_from", "从当前环节（选择要移走的）", "Move from (active activities)"),
    ("inst.adjust_to", "到环节", "Continue at"),
    ("inst.adjust_pick", "（选择环节）", "(choose an activity)"),
    ("inst.adjust_warnings", "请注意", "Please note"),
    ("inst.adjust_none", "此实例没有正在执行的环节。", "No activity of this instance is active."),
    ("inst.definition", "流程定义", "Definition"),
    ("inst.parent", "父实例", "Parent instance"),
    ("inst.children", "子实例", "Sub-instances"),
    ("inst.history", "流转历史", "Activity history"),
    ("inst.activity", "环节", "Activity"),
    ("inst.type", "类型", "Type"),
    ("inst.outcome", "结果", "Outcome"),
    ("inst.actor", "处理人", "By"),
    ("inst.tasks", "任务", "Tasks"),
    ("inst.variables", "变量", "Variables"),
    ("inst.var_name", "变量名", "Name"),
    ("inst.var_type", "类型", "Type"),
    ("inst.var_value", "值", "Value"),
    ("inst.var_add", "新增变量", "New variable"),
    ("inst.var_history", "变量历史", "Variable history"),
    ("inst.var_removed", "（已删除）", "(removed)"),
    ("inst.incident_msg", "异常信息", "Message"),
    ("inst.resolved", "解决时间", "Resolved"),
    ("inst.retry", "重试", "Retry"),
    ("inst.jobs", "作业", "Jobs"),
    ("inst.retries", "剩余重试", "Retries left"),
    ("inst.operations", "操作记录", "Operations"),
    ("outcome.active", "进行中", "Active"),
    ("outcome.completed", "完成", "Completed"),
    ("outcome.cancelled", "取消", "Cancelled"),
    ("outcome.moved", "调整", "Adjusted"),
    ("outcome.withdrawn", "撤回", "Withdrawn"),
    ("outcome.terminated", "终止", "Terminated"),
    ("outcome.other", "其他", "Other"),
    ("op.reason", "原因（可选）", "Reason (optional)"),
    ("op.when", "时间", "When"),
    ("op.who", "操作人", "Who"),
    ("op.what", "操作", "What"),
    ("op.why", "原因", "Why"),
    ("vt.string", "字符串", "String"),
    ("vt.number", "数字", "Number"),
    ("vt.boolean", "布尔", "Boolean"),
    ("vt.date", "日期", "Date"),
    ("vt.object", "对象", "Object"),
    ("job.pending", "未执行", "Pending"),
    ("job.running", "运行", "Running"),
    ("job.error", "错误", "Error"),
    ("job.title", "作业", "Jobs"),
    ("job.tab.all", "全部", "All"),
    ("job.tab.errors", "错误", "Errors"),
    ("job.search_ph", "作业名称", "Job name"),
    ("job.empty", "没有作业。", "No job."),
    ("job.start_timers", "定时启动", "Timer start events"),
    ("job.start_timers_hint", "到期时各启动一个流程实例。", "Each starts an instance of its process when due."),
    ("job.start_timers_empty", "没有定时启动的流程。", "No process starts on a timer."),
    ("job.next_due", "下次触发", "Next firing"),
    ("job.fired", "已触发", "Fired"),
    ("job.name", "作业名称", "Job"),
    ("job.instance", "实例", "Instance"),
    ("job.last_error", "最后错误", "Last error"),
    ("job.kind.timer", "定时", "Timer"),
    ("job.kind.service", "服务调用", "Web service"),
    ("job.kind.async", "异步", "Async"),
    ("job.kind.signal", "信号", "Signal"),
    ("job.kind.external", "外部任务", "External task"),
    ("job.tab.external", "外部任务", "External tasks"),
    ("job.topic", "主题", "Topic"),
    ("job.worker", "工作者", "Worker"),
    ("job.retries_unset", "尚未失败：重试次数由工作者在报告失败时决定", "Not failed yet: the worker sets the retries when it reports a failure"),
    ("job.lock_until", "锁定至", "locked until"),
    (
        "job.lock_hint",
        "外部工作者已获取此任务；锁到期前其他工作者无法获取。执行可立即解锁。",
        "An external worker fetched this task; no other worker gets it before the lock ends. Execute unlocks it now.",
    ),
    (
        "job.executed_external",
        "外部任务已解锁，重试次数已重置，工作者可再次获取",
        "the external task is unlocked with its retries reset; a worker can fetch it again",
    ),
    ("job.execute", "执行", "Execute"),
    ("job.executed", "作业将立即执行，列表会显示其运行和结果", "the job runs now; the list shows it running and its outcome"),
    ("job.deleted", "作业已删除，其流程实例显示一个异常", "the job was deleted; its instance shows an incident"),
    (
        "job.confirm_delete",
        "删除后此作业不再执行，流程实例停在此环节并显示异常（可调整或终止实例）。确定删除吗？",
        "The job will not run; its instance stops at this activity with an incident (adjust or terminate it). Delete it?",
    ),
    ("job.detail", "作业详情", "Job details"),
    ("job.attempts", "已尝试次数", "Attempts"),
    ("job.error_message", "错误信息", "Error message"),
    ("job.error_details", "错误详情", "Error details"),
    ("job.attempts_log", "执行记录", "Attempts log"),
    ("job.no_attempts", "尚未执行。", "Not run yet."),
    ("job.outcome", "结果", "Outcome"),
    ("job.message", "信息", "Message"),
    ("job.ok", "成功", "Succeeded"),
    ("job.failed", "失败", "Failed"),
    ("job.claim", "执行者", "Claimed by"),
    ("job.claim_until", "租约至", "until"),
    (
        "job.claim_hint",
        "执行器运行时续租；进程被杀后，同一执行器重启时立即释放，其他执行器在租约到期后接管。",
        "Renewed while the executor runs it; after a kill, the same executor releases it at restart, another takes it over when the lease ends.",
    ),
    ("common.close", "关闭", "Close"),
    ("ev.title", "事件", "Events"),
    ("ev.waiting", "等待的事件", "Waiting events"),
    ("ev.kind.message", "消息", "Message"),
    ("ev.kind.signal", "信号", "Signal"),
    ("ev.tab.all", "全部", "All"),
    ("ev.name", "消息/信号名称", "Message or signal"),
    ("ev.key", "关联键（业务标识）", "Correlation key (business key)"),
    ("ev.since", "等待开始", "Waiting since"),
    ("ev.start_event", "启动事件", "Start event"),
    ("ev.empty", "没有等待的消息或信号。", "Nothing waits for a message or signal."),
    ("ev.instance_empty", "此实例没有等待的消息或信号。", "This instance waits for no message or signal."),
    ("ev.search_ph", "消息或信号名称", "Message or signal name"),
    ("ev.send_message", "发送消息", "Send message"),
    ("ev.send_signal", "发送信号", "Send signal"),
    ("ev.broadcast", "广播信号", "Broadcast signal"),
    ("ev.variables", "变量（JSON 对象，可为空）", "Variables (a JSON object, may be empty)"),
    (
        "ev.vars_not_object",
        "变量必须是一个 JSON 对象（用花括号括起来的“名称: 值”），例如 {\"amount\": 1200}。",
        "The variables must be a JSON object (name: value pairs in braces), e.g. {\"amount\": 1200}.",
    ),
    (
        "ev.vars_bad_json",
        "变量不是有效的 JSON（第 {line} 行第 {column} 列附近）：请检查引号、冒号、逗号和括号，例如 {\"amount\": 1200}。",
        "The variables are not valid JSON (near line {line}, column {column}): check the quotes, colons, commas and braces, e.g. {\"amount\": 1200}.",
    ),
    ("ev.waits_at", "等待环节", "Waiting at"),
    ("ev.send", "发送", "Send"),
    ("ev.confirm_send", "确定发送", "Send now"),
    ("ev.back", "返回修改", "Back"),
    (
        "ev.confirm_deliver",
        "将向此实例的环节“{activity}”发送{kind}“{name}”，携带 {count} 个变量，实例随即继续执行。确定发送吗？",
        "The {kind} '{name}' will reach the activity '{activity}' of this instance with {count} variable(s), and the instance moves on. Send it?",
    ),
    (
        "ev.confirm_deliver_start",
        "将发送{kind}“{name}”，以启动事件“{activity}”启动流程“{process}”的一个新实例，携带 {count} 个变量。确定发送吗？",
        "The {kind} '{name}' will start a new instance of '{process}' at its start event '{activity}' with {count} variable(s). Send it?",
    ),
    ("ev.delivered", "已送达，实例继续执行", "delivered; the instance moves on"),
    ("ev.started_instance", "已启动新实例", "a new instance was started"),
    ("ev.message_form", "发送消息", "Send a message"),
    (
        "ev.message_hint",
        "按消息名称（和业务标识）投递给等待的实例；没有实例等待时，以此消息启动的流程启动一个新实例。",
        "Delivered by name (and business key) to the instance that waits for it; when none waits, a process that starts with this message starts an instance.",
    ),
    ("ev.message_name", "消息名称", "Message name"),
    ("ev.signal_name", "信号名称", "Signal name"),
    ("ev.all", "投递给所有匹配的实例", "Deliver to every matching instance"),
    ("ev.signal_form", "广播信号", "Broadcast a signal"),
    (
        "ev.signal_hint",
        "发给范围内所有等待此信号的运行中实例（挂起的实例不接收），并启动以此信号启动的流程。",
        "Reaches every running instance in scope that waits for this signal (suspended ones do not receive it) and starts the processes that start with it.",
    ),
    ("ev.scope", "范围：", "Scope: "),
    ("ev.scope_all", "全部租户", "All tenants"),
    (
        "ev.confirm_broadcast",
        "将向{scope}内所有等待信号“{name}”的实例广播，并启动以此信号启动的流程。确定广播吗？",
        "The signal '{name}' will reach every instance of {scope} that waits for it, and start the processes that start with it. Broadcast it?",
    ),
    ("ev.result", "结果", "Result"),
    ("ev.result_delivered", "已送达", "Delivered"),
    ("ev.result_started", "已启动", "Started"),
    ("ev.message_sent", "消息“{name}”已处理：", "Message '{name}' went to:"),
    ("ev.signal_reached", "信号“{name}”已送达 {count} 个实例（含新启动的实例）。", "Signal '{name}' reached {count} instance(s), started ones included."),
    (
        "ev.signal_none",
        "信号“{name}”没有送达任何实例：范围内没有等待此信号的运行中实例（挂起的实例不接收），也没有以此信号启动的流程。请检查信号名称和页头的租户。",
        "Signal '{name}' reached no instance: nothing running in scope waits for it (suspended instances do not receive it) and no process starts with it. Check the signal name and the tenant in the header.",
    ),
    ("ev.refused", "未能发送", "Not sent"),
    ("ev.detail", "详情", "Details"),
    (
        "ev.refusal.nothing_waits",
        "没有实例在等待此消息，也没有以此消息启动的流程：请检查消息名称（BPMN 中 <message> 的 name）、业务标识和当前租户；消息也可能已经被投递过。",
        "Nothing waits for this message and no process starts with it: check the message name (the name of the BPMN <message>), the business key and the tenant; it may also have been delivered already.",
    ),
    (
        "ev.refusal.gone",
        "此等待已不存在：实例可能已经继续执行或已结束。请刷新页面查看当前状态。",
        "This subscription is gone: the instance has moved on or ended. Reload the page to see where it is.",
    ),
    (
        "ev.refusal.suspended",
        "实例已挂起，不接收消息或信号：请先恢复实例，再发送。",
        "The instance is suspended and receives no message or signal: resume it first, then send again.",
    ),
    (
        "ev.refusal.ambiguous",
        "有多个实例在等待此消息（或有多个租户的流程以此消息启动）：请填写业务标识以指定其中一个（或在页头选择租户），或勾选“投递给所有匹配的实例”。",
        "Several instances wait for this message (or processes of several tenants start with it): give a business key to name one (or choose the tenant in the header), or tick 'Deliver to every matching instance'.",
    ),
    ("ev.refusal.ended", "实例已结束，不再等待消息或信号。", "The instance has ended; it waits for nothing."),
    ("ev.refusal.changed", "实例刚被其他操作修改：请刷新页面后重试。", "The instance changed meanwhile: reload the page and try again."),
    ("ev.refusal.name", "请填写消息或信号名称（1 至 500 个字符）。", "Give the message or signal name (1 to 500 characters)."),
    (
        "ev.refusal.variables",
        "变量不被接受：必须是一个 JSON 对象，变量名不能为空，例如 {\"amount\": 1200}。",
        "The variables were refused: they must be a JSON object with non-empty names, e.g. {\"amount\": 1200}.",
    ),
    ("task.title", "任务", "Tasks"),
    ("task.tab.todo", "待办", "To-do"),
    ("task.tab.overdue", "逾期", "Overdue"),
    ("task.tab.completed", "已完成", "Completed"),
    ("task.tab.all", "所有", "All"),
    ("task.cancelled", "已取消", "Cancelled"),
    ("task.name", "任务名称", "Task"),
    ("task.process", "流程", "Process"),
    ("task.assignee", "执行人", "Assignee"),
    ("task.due", "到期时间", "Due"),
    ("task.candidates", "候选", "Candidates"),
    ("task.unassigned", "未分配", "Unassigned"),
    ("task.search_ph", "任务名称或执行人", "Task name or assignee"),
    ("task.empty", "没有任务。", "No task."),
    ("task.reassign", "改派", "Reassign"),
    ("task.withdraw", "撤回", "Withdraw"),
    ("task.complete", "完成", "Complete"),
    ("task.next", "下一步", "Next"),
    ("task.pick", "展开机构树，选择机构下的人员。", "Expand the organisation tree and choose a person."),
    ("task.picked", "改派给", "Reassign to"),
    (
        "task.confirm_withdraw",
        "撤回后，此任务回到原处理人，其后续已创建但尚未办理的任务被取消。确定撤回吗？",
        "The task goes back to who completed it; the next step, not yet handled, is cancelled. Withdraw it?",
    ),
    ("task.variables", "变量（JSON）", "Variables (JSON)"),
    ("def.start", "启动", "Start"),
    ("def.start_title", "启动流程实例", "Start an instance"),
    ("def.started", "已启动流程实例", "Instance started"),
];

/// The label for `key` in `lang`; an unknown key shows itself so a gap is visible, not fatal.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| match lang {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_both_languages() {
        assert_eq!(t(Lang::Zh, "nav.catalog"), "目录");
        assert_eq!(t(Lang::En, "nav.catalog"), "Catalog");
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = LABELS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
    }

    #[test]
    fn cookie_header_parsing() {
        assert_eq!(Lang::from_cookie_header("a=b; bpm_lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("bpm_lang=zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_cookie_header(""), Lang::Zh);
    }
}
