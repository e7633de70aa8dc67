//! Deployment, models and the catalog: uploads, model keys, catalog nodes.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    // The catalog.
    ("repo.word.node_name", "目录名称", "name"),
    ("repo.word.code", "编码", "code"),
    ("repo.action.change_catalog", "修改目录", "change the catalog"),
    (
        "repo.code_taken",
        "编码“{code}”已被其他目录节点使用，请换一个编码。",
        "The code '{code}' is already used by another catalog node; choose another code.",
    ),
    (
        "repo.node_has_children",
        "目录“{name}”下还有 {count} 个子目录，请先删除或移走它们。",
        "'{name}' still has {count} sub-categories; delete or move them first.",
    ),
    (
        "repo.node_holds",
        "目录“{name}”下还有 {count} 个{what}，请先移走或删除它们。",
        "'{name}' still holds {count} {what}; move or delete them first.",
    ),
    ("repo.word.definitions", "流程定义", "process definitions"),
    ("repo.word.models", "模型", "models"),
    // Deployment.
    (
        "repo.deploy.no_file",
        "没有收到文件，请选择一个或多个 .bpmn 文件。",
        "No file was given; choose one or more .bpmn files.",
    ),
    ("repo.deploy.file_refused", "{file}：{error} 未部署任何内容。", "{file}: {error} Nothing was deployed."),
    (
        "repo.definition_ambiguous",
        "流程“{key}”部署在多个租户中（{tenants}），请用 .../key/{key}/tenant-id/{{tenant}} 指定其中一个。",
        "Process '{key}' is deployed in several tenants ({tenants}); name one with .../key/{key}/tenant-id/{{tenant}}.",
    ),
    (
        "repo.definition_not_in_tenant",
        "租户“{tenant}”中的流程定义“{key}”不存在，可能已被删除。请刷新列表。",
        "Process definition '{key}' in tenant '{tenant}' was not found; it may have been deleted meanwhile. Reload the list.",
    ),
    // What the engine cannot run, one element per line.
    (
        "repo.element_reason",
        "元素“{element}”（{type}，第 {line} 行）：{reason}",
        "element '{element}' ({type}, line {line}): {reason}",
    ),
    ("repo.element_line", "{element} <{type}>（第 {line} 行）：{reason}", "{element} <{type}> (line {line}): {reason}"),
    ("repo.warning_line", "{element} <{type}> 第 {line} 行：{reason}", "{element} <{type}> line {line}: {reason}"),
    // Models.
    (
        "repo.model_exists",
        "流程“{key}”的模型已存在：“{name}”（ID {id}），请直接打开该模型。",
        "A model for process '{key}' already exists: '{name}' (id {id}); open that model instead.",
    ),
    (
        "repo.model_key_invalid",
        "流程标识“{key}”不能用作流程 id：请以字母或下划线开头，只用字母、数字、_、- 和 .，最多 {max} 个字符（如 leave_apply）。",
        "The process key '{key}' cannot be a process id: start with a letter or _, use only letters, digits, _, - and ., at most {max} characters (e.g. leave_apply).",
    ),
    ("repo.model_start_event", "开始", "Start"),
    (
        "repo.model_name_invalid",
        "请填写模型名称（不含控制字符），如“请假申请”。",
        "Give the model a name (without control characters), e.g. 'Leave request'.",
    ),
    (
        "repo.model_key_taken",
        "此租户的另一个模型已使用流程标识“{key}”，请修改 XML 中的流程 id，或改为编辑那个模型。",
        "Another model of this tenant already has the process key '{key}'; change the process id in the XML or edit that model instead.",
    ),
    // Diagrams.
    (
        "repo.diagram.cannot_draw",
        "“{name}”第 {version} 版的流程图无法绘制：{reason}",
        "The diagram of '{name}' version {version} cannot be drawn: {reason}",
    ),
    (
        "repo.diagram.none",
        "BPMN 文件中没有可绘制的流程图（BPMNDI）；流程定义本身不受影响，仍可部署和运行",
        "the BPMN file has no diagram (BPMNDI) to draw; the process definition itself is unaffected and still deploys and runs",
    ),
    (
        "repo.diagram.no_such",
        "第 {index} 号流程图不存在：文件中只有 {count} 个流程图",
        "diagram #{index} does not exist: the file has {count} diagram(s)",
    ),
];
