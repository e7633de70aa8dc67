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
    ("nav.tenants", "租户", "Tenants"),
    ("nav.org", "机构", "Organisation"),
    ("header.tenant", "租户", "Tenant"),
    ("header.all_tenants", "全部租户", "All tenants"),
    ("header.language", "语言", "Language"),
    ("header.sign_out", "退出", "Sign out"),
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
