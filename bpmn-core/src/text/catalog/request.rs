//! The checks of requests at the web boundary (`req.*`): cross-site changes, request
//! arguments of the console's server functions and of the HTTP API.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
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
];
