//! The checks of requests at the web boundary (`req.*`): cross-site changes, request
//! arguments of the console's server functions and of the HTTP API.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "req.day_invalid",
        "日期无法识别（{detail}），请使用 YYYY-MM-DD 格式。",
        "The date could not be read ({detail}); use YYYY-MM-DD.",
    ),
    ("req.value_invalid", "值与所选类型不符：{detail}", "{detail}"),
    (
        "req.csrf.foreign",
        "此操作来自其他站点或页面，已拒绝：请在控制台自己的页面上操作。若经代理访问且代理改写了主机名，请在 BPM_ORIGINS 中配置控制台地址。",
        "This change was sent from another site or page, so it was refused; make it on the console's own page. Behind a proxy that changes the host name, name the console's address in BPM_ORIGINS.",
    ),
    (
        "req.csrf.no_origin",
        "此操作未说明来源页面（缺少 Origin 或 Referer 请求头），已拒绝：请在控制台页面上操作，或使用 API 令牌调用（'Authorization: Bearer <token>'）。",
        "This change does not say which page sent it (no Origin or Referer header), so it was refused; make it on the console's own page, or call the API with 'Authorization: Bearer <token>'.",
    ),
    (
        "req.csrf.not_json",
        "凭登录 Cookie 的操作须以 JSON 发送（或使用控制台的上传），此表单或纯文本请求已拒绝：请使用控制台页面，或使用 API 令牌调用（'Authorization: Bearer <token>'）。",
        "A change carried by the sign-in cookie must be sent as JSON (or as the console's upload), so this form-encoded or plain request was refused; use the console's pages, or call the API with 'Authorization: Bearer <token>'.",
    ),
    // The HTTP API (`/api/v1`).
    (
        "req.api.unauthenticated",
        "请携带 'Authorization: Bearer <令牌>'（令牌为 BPM_API_TOKEN 中配置的值），或先登录。",
        "Send 'Authorization: Bearer <token>' with the token configured in BPM_API_TOKEN, or sign in.",
    ),
    ("req.api.body_unreadable", "无法读取请求内容：{detail}。", "The request body could not be read: {detail}."),
    (
        "req.api.body_invalid",
        "{detail}；请求内容的格式见 /api/v1/openapi.json。",
        "{detail}; see /api/v1/openapi.json for the expected body.",
    ),
    (
        "req.api.query_invalid",
        "{detail}；参数说明见 /api/v1/openapi.json。",
        "{detail}; see /api/v1/openapi.json for the parameters.",
    ),
    (
        "req.api.variables_not_object",
        "`variables` 必须是由变量名和值组成的 JSON 对象，例如 {{\"amount\": 1200}}，而不是{kind}。",
        "`variables` must be a JSON object of names and values, e.g. {{\"amount\": 1200}}, not {kind}.",
    ),
    ("req.word.array", "数组", "an array"),
    ("req.word.string", "字符串", "a string"),
    ("req.word.number", "数字", "a number"),
    ("req.word.boolean", "布尔值", "a boolean"),
    ("req.word.message", "消息", "message"),
    ("req.word.signal", "信号", "signal"),
    (
        "req.api.name_missing",
        "请给出{what}的 `name`，例如 {{\"name\": \"PaymentReceived\"}}。",
        "Give the {what}'s `name`, e.g. {{\"name\": \"PaymentReceived\"}}.",
    ),
    (
        "req.api.correlation_keys",
        "`correlationKeys` 必须是由变量名和值组成的 JSON 对象，例如 {{\"orderId\": 42}}。",
        "`correlationKeys` must be a JSON object of variable names and values, e.g. {{\"orderId\": 42}}.",
    ),
    (
        "req.api.subscription_type",
        "`type` 应为 `message` 或 `signal`，而不是 `{kind}`。",
        "`type` is `message` or `signal`, not `{kind}`.",
    ),
    (
        "req.api.time_param",
        "`{name}`：{error}；也可以使用毫秒时间戳。",
        "`{name}`: {error}; epoch milliseconds are accepted too.",
    ),
    (
        "req.api.adjust_by_move",
        "调整实例请使用 `POST /process-instances/{{id}}/move`。",
        "Adjust an instance with `POST /process-instances/{{id}}/move`.",
    ),
    (
        "req.api.move_to_missing",
        "请说明令牌移到哪里：`to` 是一个活动的 id（见实例的 `moveTargets`）。",
        "Say where the tokens go: `to` is the id of an activity (see `moveTargets` of the instance).",
    ),
    (
        "req.api.assignee_missing",
        "请说明由谁接手任务：`assignee` 是机构中一名人员的 id。",
        "Say who takes the task over: `assignee` is the id of a person of the organisation.",
    ),
    // Uploads of deployments (`POST /api/v1/deployments`, and the console's upload).
    (
        "req.upload.not_multipart",
        "{detail}；请以 multipart/form-data 发送，文件放在 'file' 部分中。",
        "{detail}; send multipart/form-data with 'file' parts.",
    ),
    (
        "req.upload.broken",
        "上传内容不是有效的 multipart 表单数据（{detail}），请以 'file' 部分发送文件。",
        "The upload is not valid multipart form data ({detail}); send 'file' parts.",
    ),
    (
        "req.upload.file_too_large",
        "文件“{file}”超过 {limit} 的上限（BPM_MAX_FILE_BYTES），未部署任何内容。请拆分模型，或请管理员调高上限。",
        "The file '{file}' is larger than the limit of {limit} (BPM_MAX_FILE_BYTES); nothing was deployed. Split the model or ask the administrator to raise the limit.",
    ),
    (
        "req.upload.part_too_large",
        "表单部分“{name}”超过 {limit} 的上限，请发送较短的值。",
        "The part '{name}' is larger than the limit of {limit}; send a short value.",
    ),
    (
        "req.upload.too_large",
        "上传内容超过单次请求 {limit} 的上限（8 × BPM_MAX_FILE_BYTES），未部署任何内容。请减少一次部署的文件数。",
        "The upload is larger than the limit of {limit} for one request (8 × BPM_MAX_FILE_BYTES); nothing was deployed. Deploy fewer files at once.",
    ),
    (
        "req.upload.no_file",
        "没有选择文件，请选择或拖入一个或多个 .bpmn 文件。",
        "No file was chosen; choose or drop one or more .bpmn files.",
    ),
    (
        "req.upload.unreadable_answer",
        "服务器的回答无法读取（HTTP {status}）：{answer}",
        "HTTP {status}: {answer}",
    ),
    ("req.upload.needs_browser", "上传需要在浏览器中进行。", "Uploading needs the browser."),
    // The console's forms (server functions).
    (
        "req.variables.not_object",
        "变量必须是 JSON 对象，例如 {{\"amount\": 1200, \"reason\": \"travel\"}}。",
        "The variables must be a JSON object, e.g. {{\"amount\": 1200, \"reason\": \"travel\"}}.",
    ),
    ("req.variables.not_json", "变量不是有效的 JSON：{detail}。", "The variables are not valid JSON: {detail}."),
    (
        "req.adjust_needs_dialog",
        "调整需要指定活动，请使用“调整”对话框。",
        "Adjust needs the activities: use the Adjust dialog.",
    ),
];
