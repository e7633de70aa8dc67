//! Sentences every area uses: things not found, changed meanwhile, sign-in, failures.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "error.not_found",
        "{what}“{id}”不存在，可能已被删除。请刷新列表。",
        "{what} '{id}' was not found; it may have been deleted meanwhile. Reload the list.",
    ),
    (
        "error.changed_meanwhile",
        "{what}“{id}”刚被其他人修改，请刷新后重试。",
        "{what} '{id}' was changed meanwhile by someone else; reload and try again.",
    ),
    ("error.list_pair", "{a}；{b}", "{a}; {b}"),
    ("error.bad_credentials", "用户名或密码错误。", "Wrong user name or password."),
    (
        "error.throttled",
        "登录失败次数过多，请等待 {wait_secs} 秒后再试（请先检查用户名和密码）。",
        "Too many failed sign-ins; wait {wait_secs} seconds, then try again (check the user name and password first).",
    ),
    (
        "error.internal",
        "服务器内部故障，未能完成请求。请重试；如果一直失败，请联系管理员（详情见服务器日志）。",
        "The server could not complete the request because of an internal failure; try again, and if it keeps failing tell the administrator (the details are in the server log).",
    ),
    (
        "error.unstorable_text",
        "输入中含有无法保存的字符（例如 NUL，U+0000），请删除后重试。",
        "The input contains a character that cannot be stored (such as NUL, U+0000); remove it and try again.",
    ),
    (
        "error.nul_in_field",
        "“{field}”中含有 NUL 字符（U+0000），无法保存，请删除后重试。",
        "'{field}' contains the NUL character (U+0000), which cannot be stored; remove it and try again.",
    ),
    (
        "error.body_too_large",
        "请求内容超过 {limit} 的上限或无法读取，请分批发送。",
        "The request body is larger than the limit of {limit} or could not be read; send less at once.",
    ),
    ("error.unauthenticated", "会话已结束，请重新登录。", "Your session has ended; sign in again."),
    (
        "error.network",
        "无法连接服务器（{detail}）。请检查网络连接后重试。",
        "The server could not be reached ({detail}); check the connection and try again.",
    ),
    (
        "error.unexpected",
        "发生意外错误（{detail}）。请刷新页面后重试。",
        "An unexpected error occurred ({detail}); reload the page and try again.",
    ),
    (
        "error.bad_arguments",
        "请求参数无法读取（{detail}）。请刷新页面后重试。",
        "The request's arguments could not be read ({detail}); reload the page and try again.",
    ),
    // The things a refusal is about, as `{what}`.
    ("thing.api_token", "API 令牌", "API token"),
    ("thing.catalog_node", "目录节点", "Catalog node"),
    ("thing.catalog_node_code", "编码为此值的目录节点", "Catalog node with code"),
    ("thing.event_subscription", "事件订阅", "Event subscription"),
    ("thing.external_task", "外部任务", "External task"),
    ("thing.incident", "异常", "Incident"),
    ("thing.job", "作业", "Job"),
    ("thing.model", "模型", "Model"),
    ("thing.org_unit", "机构", "Organisation unit"),
    ("thing.person", "人员", "Person"),
    ("thing.definition", "流程定义", "Process definition"),
    ("thing.instance", "流程实例", "Process instance"),
    ("thing.task", "任务", "Task"),
    ("thing.tenant", "租户", "Tenant"),
    ("thing.variable", "变量", "Variable"),
];
