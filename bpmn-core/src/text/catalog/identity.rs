//! Accounts, sessions, tokens, tenants and the organisation.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    // Names and codes people type (`{what}` and `{field}` are words below).
    ("ident.name_empty", "{what}为空，请输入名称。", "The {what} is empty; type a name."),
    (
        "ident.name_too_long",
        "{what}超过 {max} 个字符，请缩短。",
        "The {what} is longer than {max} characters; shorten it.",
    ),
    (
        "ident.code_invalid",
        "“{value}”不是有效的{field}：请使用 1 到 64 个字母、数字、“-”、“_”或“.”。",
        "'{value}' is not a valid {field}: use 1 to 64 letters, digits, '-', '_' or '.'.",
    ),
    ("ident.word.tenant_name", "租户名称", "tenant name"),
    ("ident.word.unit_name", "机构名称", "unit name"),
    ("ident.word.person_name", "人员姓名", "person's name"),
    ("ident.word.username", "用户名", "username"),
    ("ident.word.id", "标识", "id"),
    // Administrators only: `{what}` is one of the actions below.
    (
        "ident.admin_only",
        "只有管理员才能{what}，请联系管理员办理。",
        "Only an administrator can {what}; ask an administrator to do it.",
    ),
    ("ident.action.create_tenants", "创建租户", "create tenants"),
    // Accounts and sessions.
    (
        "ident.password_too_short",
        "密码少于 {min} 个字符，请设置更长的密码。",
        "The password is shorter than {min} characters; choose a longer one.",
    ),
    (
        "ident.manager_needs_tenant",
        "租户管理员必须属于一个租户，请选择租户。",
        "A tenant manager needs a tenant; choose one.",
    ),
    (
        "ident.username_taken",
        "用户名“{username}”已被占用，请换一个。",
        "The user name '{username}' is taken; choose another.",
    ),
    (
        "ident.manager_own_tenant",
        "租户管理员只能在自己的租户中工作。",
        "A tenant manager always works in their own tenant.",
    ),
    // Tenants.
    (
        "ident.tenant_exists",
        "名称为“{name}”或标识为“{id}”的租户已存在，请换一个。",
        "A tenant named '{name}' or with id '{id}' already exists; choose another.",
    ),
    (
        "ident.tenant_name_taken",
        "已有其他租户名为“{name}”，请换一个名称。",
        "Another tenant is already named '{name}'; choose another name.",
    ),
    // API tokens.
    (
        "ident.token_name",
        "请为令牌起一个 1 到 100 个字符的名称，例如将使用它的应用的名称。",
        "Give the token a name of 1 to 100 characters, e.g. the application that will use it.",
    ),
    ("ident.token_revoked", "令牌“{name}”已被吊销。", "The token '{name}' is already revoked."),
    // The organisation.
    ("ident.person_exists", "标识为“{id}”的人员已存在。", "A person with id '{id}' already exists."),
    ("ident.person_needs_unit", "请选择此人员所属的机构。", "Choose the unit the person belongs to."),
    // Editing, moving and deactivating the organisation.
    (
        "ident.unit_move_cycle",
        "不能把机构“{name}”移到它自己或它的下级机构“{parent}”之下，请选择其他上级机构。",
        "The unit '{name}' cannot move under itself or its own sub-unit '{parent}'; choose another parent.",
    ),
    (
        "ident.unit_inactive",
        "机构“{name}”已停用，请选择一个启用的机构。",
        "The unit '{name}' is deactivated; choose an active unit.",
    ),
    (
        "ident.unit_still_used",
        "机构“{name}”下还有 {people} 名启用的人员和 {units} 个启用的下级机构，请先停用或移走它们。",
        "The unit '{name}' still has {people} active people and {units} active sub-units; deactivate or move them first.",
    ),
    (
        "ident.unit_parent_inactive",
        "上级机构“{parent}”已停用：请先启用它，或把机构“{name}”移到启用的机构下。",
        "The parent unit '{parent}' is deactivated: activate it first, or move '{name}' under an active unit.",
    ),
    ("ident.unit_already_active", "机构“{name}”已是启用状态。", "The unit '{name}' is already active."),
    ("ident.unit_already_inactive", "机构“{name}”已经停用。", "The unit '{name}' is already deactivated."),
    (
        "ident.person_unit_inactive",
        "人员“{person}”所在的机构“{unit}”已停用：请先启用该机构，或把此人员移到启用的机构。",
        "The unit '{unit}' of {person} is deactivated: activate it first, or move the person to an active unit.",
    ),
    ("ident.person_already_active", "人员“{person}”已是启用状态。", "{person} is already active."),
    ("ident.person_already_inactive", "人员“{person}”已经停用。", "{person} is already deactivated."),
    (
        "ident.person_inactive",
        "人员“{person}”（{id}）已停用，不能再接收任务，请选择其他人员。",
        "{person} ({id}) is deactivated and can no longer be given tasks; choose someone else.",
    ),
];
