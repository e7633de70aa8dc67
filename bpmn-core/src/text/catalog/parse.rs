//! The BPMN parser and its executability check: where in the file, what is wrong, what to do.
//!
//! A parser sentence (`parse.*`) is the problem and its remedy; its English starts in lower
//! case, because the place (`parse.at.*`) goes in front of it. Tags, attribute names and ids
//! stay as they are written in the file, in both languages.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    // Where a problem is, in front of what it is.
    (
        "parse.at.line_column_element",
        "第 {line} 行第 {column} 列，元素“{element}”：{what}",
        "Line {line}, column {column}, element \"{element}\": {what}",
    ),
    ("parse.at.line_column", "第 {line} 行第 {column} 列：{what}", "Line {line}, column {column}: {what}"),
    ("parse.at.line_element", "第 {line} 行，元素“{element}”：{what}", "Line {line}, element \"{element}\": {what}"),
    ("parse.at.line", "第 {line} 行：{what}", "Line {line}: {what}"),
    ("parse.at.element", "元素“{element}”：{what}", "Element \"{element}\": {what}"),
    ("parse.at.nowhere", "{what}", "{what}"),
    // The file as a whole: size, encoding.
    (
        "parse.too_large",
        "文件大小为 {size} 字节，超过了 {limit} 字节的上限。请将模型拆分为多个文件，或删除嵌入的数据（图片、大段文档）。",
        "the file is {size} bytes long, more than the limit of {limit} bytes. Split the model into several files or remove embedded data (images, large documentation).",
    ),
    ("parse.over_4gib", "文件大于 4 GiB。请将模型拆分为多个文件。", "the file is larger than 4 GiB. Split the model into several files."),
    (
        "parse.nul",
        "文件中含有 XML 不允许的 NUL 字符（U+0000）。请删除该字符；文件可能已损坏，请从建模工具重新导出。",
        "the file contains the NUL character (U+0000), which XML does not allow. Remove it; the file may be damaged, so export it again from the modelling tool.",
    ),
    (
        "parse.utf32",
        "文件采用 UTF-32 编码（或者不是文本文件），不受支持。请将其另存为 UTF-8（大多数建模工具的导出对话框中都有此选项）。",
        "the file is encoded in UTF-32 (or is not text), which is not supported. Save it as UTF-8 (most modelling tools have this option in their export dialog).",
    ),
    (
        "parse.unknown_encoding",
        "XML 声明中的 encoding=\"{encoding}\" 是无法读取的编码。请将文件另存为 UTF-8，并将声明改为 encoding=\"UTF-8\"。",
        "the XML declaration says encoding=\"{encoding}\", an encoding that cannot be read. Save the file as UTF-8 and change the declaration to encoding=\"UTF-8\".",
    ),
    (
        "parse.invalid_in_encoding",
        "文件不是有效的 {encoding} 编码：其中含有该编码未定义的字节序列。请检查 XML 声明所指定的编码（encoding=\"...\"），或将文件另存为 UTF-8。",
        "the file is not valid {encoding}: it has a byte sequence that encoding does not define. Check the encoding the XML declaration names (encoding=\"...\"), or save the file as UTF-8.",
    ),
    (
        "parse.invalid_utf8",
        "字节 0x{byte} 不是有效的 UTF-8。文件可能是 ISO-8859-1 或 Windows-1252 编码：请将其另存为 UTF-8，或声明其编码，例如 <?xml version=\"1.0\" encoding=\"windows-1252\"?>。",
        "byte 0x{byte} is not valid UTF-8. The file is probably ISO-8859-1 or Windows-1252: save it as UTF-8, or declare its encoding, e.g. <?xml version=\"1.0\" encoding=\"windows-1252\"?>.",
    ),
    // Well-formed XML.
    (
        "parse.fix.xml",
        "请用 XML 编辑器检查文件，或从建模工具重新导出。",
        "Check the file in an XML editor, or export it again from the modelling tool.",
    ),
    ("parse.not_well_formed", "文件不是格式正确的 XML（{detail}）。{fix}", "the file is not well-formed XML ({detail}). {fix}"),
    (
        "parse.second_root",
        "<definitions> 结束后又出现了第二个根元素。XML 文件只能有一个根元素；请删除 </definitions> 之后的内容。",
        "a second root element follows the end of <definitions>. An XML file has exactly one root element; remove what follows </definitions>.",
    ),
    (
        "parse.undeclared_prefix",
        "<{qname}> 的前缀未声明。请在根元素上用 xmlns:prefix=\"...\" 属性声明该前缀。",
        "the prefix of <{qname}> is not declared. Declare the prefix with an xmlns:prefix=\"...\" attribute on the root element.",
    ),
    ("parse.unreadable_text", "无法读取的文本（{detail}）。{fix}", "unreadable text ({detail}). {fix}"),
    ("parse.unreadable_cdata", "无法读取的 CDATA（{detail}）。{fix}", "unreadable CDATA ({detail}). {fix}"),
    ("parse.cdata_outside_root", "根元素之外出现了 CDATA。{fix}", "CDATA outside the root element. {fix}"),
    ("parse.text_outside_root", "根元素之外出现了文本。{fix}", "text outside the root element. {fix}"),
    (
        "parse.undefined_entity",
        "实体引用 &{name}; 未定义。只能使用 &lt; &gt; &amp; &apos; &quot; 和字符引用（&#233;）；请直接写出该字符。",
        "the entity reference &{name}; is not defined. Only &lt; &gt; &amp; &apos; &quot; and character references (&#233;) can be used; write the character itself instead.",
    ),
    ("parse.bad_char_ref", "无效的字符引用（{detail}）。{fix}", "invalid character reference ({detail}). {fix}"),
    (
        "parse.no_root",
        "文件没有根元素。请上传 BPMN 2.0 文件（以 <definitions> 开头）。",
        "the file has no root element. Upload a BPMN 2.0 file (it starts with <definitions>).",
    ),
    (
        "parse.truncated",
        "文件在所有元素闭合之前就结束了。文件可能不完整：请重新导出或重新上传。",
        "the file ends before all elements are closed. The file is probably truncated: export or upload it again.",
    ),
    (
        "parse.too_deep",
        "元素嵌套超过 {limit} 层。请简化模型：减少子流程之间的相互嵌套。",
        "elements are nested more than {limit} levels deep. Flatten the model: nest fewer sub-processes inside each other.",
    ),
    (
        "parse.doctype",
        "文件含有 <!DOCTYPE> 或实体声明，出于安全考虑不予接受。BPMN 文件从不需要它：请删除 <!DOCTYPE ...> 声明。",
        "the file has a <!DOCTYPE> or entity declaration, which is refused for safety. BPMN files never need one: remove the <!DOCTYPE ...> declaration.",
    ),
    (
        "parse.broken_attribute",
        "属性有误（{detail}）。属性应写作 name=\"value\"，同一元素中每个属性名只能出现一次。",
        "broken attribute ({detail}). Attributes are written name=\"value\", each name once per element.",
    ),
    (
        "parse.broken_attribute_value",
        "属性值有误（{detail}）。属性值中只能使用 &lt; &gt; &amp; &apos; &quot; 和字符引用。",
        "broken attribute value ({detail}). Only &lt; &gt; &amp; &apos; &quot; and character references can be used in attribute values.",
    ),
    // A BPMN file.
    ("parse.root_ns.bound", "命名空间“{namespace}”中", "in namespace \"{namespace}\""),
    ("parse.root_ns.none", "没有命名空间", "without namespace"),
    ("parse.root_ns.undeclared", "前缀未声明", "with an undeclared prefix"),
    (
        "parse.not_bpmn",
        "根元素是{in_ns}的 <{qname}>，因此这不是 BPMN 2.0 文件。BPMN 2.0 文件以 <definitions xmlns=\"{model_ns}\"> 开头；请将模型导出为 BPMN 2.0 XML。",
        "the root element is <{qname}> {in_ns}, so this is not a BPMN 2.0 file. A BPMN 2.0 file starts with <definitions xmlns=\"{model_ns}\">; export the model as BPMN 2.0 XML.",
    ),
    (
        "parse.only_empty_pools",
        "文件有 {pools} 个池，但没有 <process>：每个池都是空的（黑盒），因此没有可运行的内容。请在部署前至少建模一个流程（放在池中或单独建模）。",
        "the file has {pools} pool(s) but no <process>: every pool is empty (a black box), so there is nothing to run. Model at least one process (in a pool or on its own) before deploying.",
    ),
    (
        "parse.no_process",
        "文件中没有 <process>。请在部署前至少建模一个流程（放在池中或单独建模）。",
        "the file has no <process>. Model at least one process (in a pool or on its own) before deploying.",
    ),
    (
        "parse.duplicate_id",
        "此 <{tag}> 的 id“{id}”已被第 {other_line} 行的 <{other}> 使用。同一文件中的 id 必须唯一：请重命名两个元素之一（以及对它的引用）。",
        "the id \"{id}\" of this <{tag}> is already used by the <{other}> on line {other_line}. Ids must be unique within a file: rename one of the two elements (and the references to it).",
    ),
    (
        "parse.no_id",
        "此 <{tag}> 没有 id。请为每个流程、流程节点、顺序流、泳道、参与者和消息流设置唯一的 id。",
        "this <{tag}> has no id. Give every process, flow node, sequence flow, lane, participant and message flow a unique id.",
    ),
    (
        "parse.choreography_in_process",
        "无法识别 <{parent}> 中的 <{tag}>：编排（choreography）元素不能出现在流程中，而忽略它可能改变流程的行为。请将其替换为标准的 BPMN 2.0 流程节点（任务、事件、网关、子流程），或删除它。",
        "<{tag}> inside <{parent}> is not understood: choreography elements cannot appear in a process, and ignoring it could change what the process does. Replace it with a standard BPMN 2.0 flow node (task, event, gateway, sub-process) or remove it.",
    ),
    (
        "parse.unknown_in_process",
        "无法识别 <{parent}> 中的 <{tag}>：它不是可以出现在流程中的 BPMN 2.0 元素，而忽略它可能改变流程的行为。请将其替换为标准的 BPMN 2.0 流程节点（任务、事件、网关、子流程），或删除它。",
        "<{tag}> inside <{parent}> is not understood: it is not a BPMN 2.0 element that can appear in a process, and ignoring it could change what the process does. Replace it with a standard BPMN 2.0 flow node (task, event, gateway, sub-process) or remove it.",
    ),
    ("parse.unknown_flow_node", "<{tag}> 不是已知的流程节点。", "<{tag}> is not a known flow node."),
    // References.
    (
        "parse.foreign_prefix",
        "（其前缀“{prefix}”对应命名空间“{uri}”，而不是本文件的 targetNamespace：不会解析指向其他文件的引用）",
        " (its prefix \"{prefix}\" names the namespace \"{uri}\", not this file's targetNamespace: references into other files are not resolved)",
    ),
    (
        "parse.message_flow_end",
        "消息流没有 {attr}。请将消息流的两端连接到池或流程节点。",
        "the message flow has no {attr}. Connect both ends of the message flow to pools or flow nodes.",
    ),
    (
        "parse.association_end",
        "关联没有 {attr}。请连接关联的两端，或删除它。",
        "the association has no {attr}. Connect both ends of the association, or delete it.",
    ),
    (
        "parse.event_definition_ref",
        "eventDefinitionRef“{target}”没有指向文件中的任何事件定义。请将其指向在 <definitions> 下声明的事件定义的 id，或将该定义直接放在事件内。",
        "the eventDefinitionRef \"{target}\" names no event definition of the file. Point it at the id of an event definition declared under <definitions>, or put the definition inside the event.",
    ),
    (
        "parse.fix.flow_ends",
        "请将每条顺序流的两端都连接到同一流程中的流程节点。",
        "Connect both ends of every sequence flow to a flow node of the same process.",
    ),
    ("parse.flow_end_missing", "顺序流没有 {attr}。{fix}", "the sequence flow has no {attr}. {fix}"),
    (
        "parse.flow_end_elsewhere",
        "顺序流的 {attr}“{target}”不是流程“{process}”中的流程节点。{fix}",
        "the sequence flow's {attr} \"{target}\" is not a flow node of process \"{process}\". {fix}",
    ),
    (
        "parse.flow_end_unknown",
        "顺序流的 {attr}“{target}”没有指向文件中的任何元素{note}。{fix}",
        "the sequence flow's {attr} \"{target}\" points to no element of the file{note}. {fix}",
    ),
    (
        "parse.fix.attach_boundary",
        "请将边界事件附加到同一流程中的活动上（attachedToRef=\"<活动 id>\"）。",
        "Attach the boundary event to an activity of the same process (attachedToRef=\"<activity id>\").",
    ),
    ("parse.boundary_unattached", "边界事件没有 attachedToRef。{fix}", "the boundary event has no attachedToRef. {fix}"),
    (
        "parse.boundary_elsewhere",
        "边界事件的 attachedToRef“{target}”不是流程“{process}”中的活动{note}。{fix}",
        "the boundary event's attachedToRef \"{target}\" is not an activity of process \"{process}\"{note}. {fix}",
    ),
    (
        "parse.boundary_on_non_activity",
        "边界事件附加在“{target}”（一个 <{tag}>）上，但边界事件只能附加到活动上。{fix}",
        "the boundary event is attached to \"{target}\", a <{tag}>, but boundary events can only be attached to activities. {fix}",
    ),
    (
        "parse.default_elsewhere",
        "默认流“{target}”不是流程“{process}”中的顺序流{note}。请将 default 设为该元素某条出发顺序流的 id，或删除它。",
        "the default flow \"{target}\" is not a sequence flow of process \"{process}\"{note}. Set default to the id of one of the element's outgoing sequence flows, or remove it.",
    ),
    (
        "parse.default_not_outgoing",
        "默认流“{target}”并非从此 <{tag}> 出发。请将 default 设为该元素某条出发顺序流的 id。",
        "the default flow \"{target}\" does not leave this <{tag}>. Set default to the id of one of the element's outgoing sequence flows.",
    ),
    // The executability check: why an element cannot run (`Unsupported::reason`, whose
    // English these templates are: `reason_text` reads a stored reason back against them, so
    // their values are always separated by text).
    ("check.not_executable", "流程不可执行（isExecutable=\"false\"）", "process is not executable (isExecutable=\"false\")"),
    ("check.no_start_event", "流程没有开始事件", "has no start event"),
    ("check.no_message_ref", "没有 messageRef；请指定它等待的消息", "has no messageRef; name the message it waits for"),
    ("check.no_called_element", "调用活动没有 calledElement", "call activity has no calledElement"),
    (
        "check.no_called_version",
        "绑定到指定版本（calledElementBinding=\"version\"），但未指定版本；请添加 calledElementVersion，或改为绑定最新版本",
        "binds to a version (calledElementBinding=\"version\") but names none; add calledElementVersion or bind to the latest version",
    ),
    (
        "check.no_called_version_tag",
        "绑定到版本标签（calledElementBinding=\"versionTag\"），但未指定标签；请添加 calledElementVersionTag，或改为绑定最新版本",
        "binds to a version tag (calledElementBinding=\"versionTag\") but names none; add calledElementVersionTag or bind to the latest version",
    ),
    (
        "check.unsupported.business_rule_task",
        "尚不支持：业务规则任务在此没有实现（没有决策引擎）；请在服务任务中调用决策服务，或在用户任务中人工决策",
        "not supported yet: a business rule task has no implementation here (no decision engine); call the decision service from a service task, or decide in a user task",
    ),
    (
        "check.unsupported.transaction",
        "尚不支持：事务和取消事件在此无法运行；请显式建模撤销步骤，例如在子流程上使用错误边界事件",
        "not supported yet: transactions and cancel events do not run here; model the undo steps explicitly, e.g. with an error boundary event on a sub-process",
    ),
    (
        "check.unsupported.compensation",
        "尚不支持：补偿在此无法运行；请显式建模撤销步骤，例如用错误边界事件引向这些步骤",
        "not supported yet: compensation does not run here; model the undo steps explicitly, e.g. with an error boundary event leading to them",
    ),
    (
        "check.unsupported.ad_hoc",
        "尚不支持：自由（ad-hoc）子流程在此无法运行；请用并行网关或包容网关建模这些任务",
        "not supported yet: ad-hoc sub-processes do not run here; model the tasks with a parallel or inclusive gateway",
    ),
    (
        "check.unsupported.complex_gateway",
        "尚不支持：复杂网关在此无法运行；请改用包容网关或并行网关",
        "not supported yet: complex gateways do not run here; use an inclusive or parallel gateway",
    ),
    (
        "check.unsupported.conditional",
        "尚不支持：条件事件在此无法运行；请改用带条件的排他网关，或在条件满足时发送消息",
        "not supported yet: conditional events do not run here; use an exclusive gateway with conditions, or a message sent when the condition holds",
    ),
    (
        "check.unsupported.multiple",
        "尚不支持：含有多个事件定义的事件在此无法运行；请为每个触发器使用一个事件（放在事件网关之后，等待最先发生的一个）",
        "not supported yet: an event with several event definitions does not run here; use one event per trigger (behind an event-based gateway to wait for the first)",
    ),
    (
        "check.unsupported.event_sub_process_start",
        "尚不支持：事件子流程的开始事件需要触发器；请为其设置消息、信号、定时器、错误或升级定义",
        "not supported yet: the start event of an event sub-process needs a trigger; give it a message, signal, timer, error or escalation definition",
    ),
    (
        "check.unsupported.sub_process_start",
        "尚不支持：嵌入式子流程的开始事件没有触发器；请删除其事件定义",
        "not supported yet: the start event of an embedded sub-process has no trigger; remove the event definition",
    ),
    (
        "check.unsupported.start_event",
        "尚不支持：流程只能以空、定时器、消息或信号开始事件启动；请将错误和升级开始事件放在事件子流程中",
        "not supported yet: a process starts with a none, timer, message or signal start event; put error and escalation start events in an event sub-process",
    ),
    (
        "check.unsupported.intermediate_catch",
        "尚不支持：中间捕获事件只能等待消息、信号、定时器或链接；请用边界事件或事件子流程捕获错误和升级",
        "not supported yet: an intermediate catch event waits for a message, signal, timer or link; catch errors and escalations with a boundary event or an event sub-process",
    ),
    (
        "check.unsupported.intermediate_throw",
        "尚不支持：中间抛出事件只能抛出消息、信号、升级或链接，或不抛出任何内容；请用错误结束事件抛出错误",
        "not supported yet: an intermediate throw event raises a message, signal, escalation or link, or nothing; throw an error with an error end event",
    ),
    (
        "check.unsupported.boundary_event",
        "尚不支持：边界事件只能捕获消息、信号、定时器、错误或升级；请更改其事件定义",
        "not supported yet: a boundary event catches a message, signal, timer, error or escalation; change its event definition",
    ),
    (
        "check.unsupported.end_event",
        "尚不支持：此类结束事件在此无法运行；请使用空、终止、错误、消息、信号或升级结束事件",
        "not supported yet: this kind of end event does not run here; end with none, terminate, error, message, signal or escalation",
    ),
    (
        "check.timer_without_time",
        "定时器没有 timeDate、timeDuration 或 timeCycle",
        "timer has no timeDate, timeDuration or timeCycle",
    ),
    ("check.no_signal_ref_catch", "没有 signalRef；请指定它等待的信号", "has no signalRef; name the signal it waits for"),
    ("check.no_signal_ref_throw", "没有 signalRef；请指定它广播的信号", "has no signalRef; name the signal it broadcasts"),
    (
        "check.no_escalation_ref",
        "没有 escalationRef（或其升级没有 escalationCode）；请指定它抛出的升级",
        "has no escalationRef (or its escalation no escalationCode); name the escalation it raises",
    ),
    (
        "check.link_catch_unnamed",
        "没有链接名称；请使用跳转到它的链接抛出事件的名称",
        "has no link name; name it as the link throw events that jump to it",
    ),
    (
        "check.link_throw_unnamed",
        "没有链接名称；请使用它要跳转到的链接捕获事件的名称",
        "has no link name; name it as the link catch event it jumps to",
    ),
    (
        "check.link_name_twice",
        "此范围内有 {count} 个链接捕获事件名为“{name}”；请为每个链接设置不同的名称",
        "{count} link catch events of this scope are named \"{name}\"; give each link a name of its own",
    ),
    (
        "check.link_catch_missing",
        "同一范围内没有名为“{name}”的链接捕获事件；请添加一个，或更正名称",
        "no link catch event named \"{name}\" in the same scope; add one, or correct the name",
    ),
    (
        "check.event_sub_process_starts",
        "事件子流程需要恰好一个开始事件（带消息、信号、定时器、错误或升级触发器），此子流程有 {count} 个；请只保留一个",
        "an event sub-process needs exactly one start event (with a message, signal, timer, error or escalation trigger), this one has {count}; keep one",
    ),
    (
        "check.event_gateway_no_outgoing",
        "事件网关没有出发的顺序流；请将其连接到相互竞争的捕获事件",
        "an event-based gateway has no outgoing flow; connect it to the catch events that race",
    ),
    (
        "check.event_gateway_target",
        "事件网关只能连接到消息、信号或定时器捕获事件以及接收任务，但“{target}”是 {type}；请在它之前放置一个捕获事件",
        "an event-based gateway may only lead to message, signal or timer catch events and receive tasks, but \"{target}\" is a {type}; put a catch event in front of it",
    ),
    // Design lints (`bpmn::problems`, keys `lint.*`): the designer's warnings about what runs,
    // but perhaps not as meant. Never a reason of the check, so not `check.*`.
    (
        "lint.flow_without_condition",
        "从网关“{gateway}”出发的这条顺序流没有条件；请写上条件（如 ${{amount > 1000}}），或将其设为网关的默认流",
        "this flow out of gateway \"{gateway}\" has no condition; write one (e.g. ${{amount > 1000}}) or make it the gateway's default flow",
    ),
    // Expressions, scripts, listeners and service implementations. `{error}` is the
    // expression's own message.
    (
        "check.bad_expression",
        "{attribute} 中的表达式无法求值：{error}；请在模型中更正后重新部署",
        "{attribute} holds an expression that cannot be evaluated: {error}; correct it in the model and deploy again",
    ),
    ("check.subject.script_task", "脚本任务", "the script task"),
    ("check.subject.condition", "条件", "the condition"),
    ("check.subject.listener_script", "{tag} 的脚本", "the {tag}'s script"),
    (
        "check.script_resource",
        "{what}引用了外部脚本文件（resource“{resource}”），该文件不会被读取；请将脚本内容直接写在元素中",
        "{what} names an external script file (resource \"{resource}\"), which is not read; put the script's text inside the element",
    ),
    (
        "check.script_format",
        "{what}使用的脚本格式“{format}”在此无法运行；请改用 JavaScript 编写（scriptFormat=\"javascript\"）",
        "{what} is written in script format \"{format}\", which does not run here; write it in JavaScript (scriptFormat=\"javascript\")",
    ),
    (
        "check.script_format_missing",
        "{what}没有指定脚本格式，无法在此运行；请用 JavaScript 编写（scriptFormat=\"javascript\"）",
        "{what} is written in script format \"(none)\", which does not run here; write it in JavaScript (scriptFormat=\"javascript\")",
    ),
    ("check.script_empty", "{what}没有脚本内容；请编写脚本或将其删除", "{what} has no script text; write the script or remove it"),
    (
        "check.fix.listener",
        "请改用 expression=\"${{...}}\" 或嵌套的 <camunda:script scriptFormat=\"javascript\">",
        "use expression=\"${{...}}\" or a nested <camunda:script scriptFormat=\"javascript\">",
    ),
    (
        "check.listener_java",
        "{tag} 运行 Java 代码（{java}），本引擎无法运行；{fix}",
        "the {tag} runs Java code ({java}), which this engine cannot run; {fix}",
    ),
    ("check.listener_nothing", "{tag} 没有指定要运行的内容；{fix}", "the {tag} names nothing to run; {fix}"),
    (
        "check.listener_event",
        "{tag} 的事件“{event}”不会在此元素上发生；执行监听器在 start 或 end 时运行（顺序流上为 take），用户任务的任务监听器在 create、assignment 或 complete 时运行",
        "the {tag}'s event \"{event}\" does not happen on this element; execution listeners run on start or end (take on a sequence flow), task listeners of a user task on create, assignment or complete",
    ),
    (
        "check.external_without_topic",
        "是没有主题（topic）的外部任务；请添加 camunda:topic=\"...\"（或 flowable:topic），指定其工作者获取任务的主题",
        "is an external task without a topic; add camunda:topic=\"...\" (or flowable:topic) naming the topic its workers fetch",
    ),
    (
        "check.service_java",
        "运行 Java 代码（{java}），本引擎无法运行；请将其改为由工作者完成的外部任务（camunda:type=\"external\" camunda:topic=\"...\"），或改为 HTTP 调用（flowable:type=\"http\"，或 Camunda http-connector）",
        "runs Java code ({java}), which this engine cannot run; make it an external task that a worker completes (camunda:type=\"external\" camunda:topic=\"...\") or an HTTP call (flowable:type=\"http\", or the Camunda http-connector)",
    ),
    // Deploy warnings: what the engine ignores (`Warning::text`), and the reason that wraps
    // one (`ignored by the engine: ...`).
    ("check.ignored_by_engine", "引擎已忽略：{what}", "ignored by the engine: {what}"),
    ("check.ignored.async_after", "元素之后的异步延续（{vendor}:{name}）", "asynchronous continuation after the element ({vendor}:{name})"),
    ("check.ignored.initiator", "发起人变量（{vendor}:{name}）", "initiator variable ({vendor}:{name})"),
    ("check.ignored.form_key", "表单键（{vendor}:{name}）", "form key ({vendor}:{name})"),
    ("check.ignored.form_field_validation", "表单字段校验（{vendor}:{name}）", "form field validation ({vendor}:{name})"),
    ("check.ignored.job_priority", "作业优先级（{vendor}:{name}）", "job priority ({vendor}:{name})"),
    ("check.ignored.external_task_priority", "外部任务优先级（{vendor}:{name}）", "external task priority ({vendor}:{name})"),
    ("check.ignored.external_task_topic", "外部任务主题（{vendor}:{name}）", "external task topic ({vendor}:{name})"),
    ("check.ignored.result_variable", "结果变量（{vendor}:{name}）", "result variable ({vendor}:{name})"),
    ("check.ignored.skip_expression", "跳过表达式（{vendor}:{name}）", "skip expression ({vendor}:{name})"),
    ("check.ignored.follow_up_date", "跟进日期（{vendor}:{name}）", "follow-up date ({vendor}:{name})"),
    ("check.ignored.task_category", "任务类别（{vendor}:{name}）", "task category ({vendor}:{name})"),
    ("check.ignored.task_owner", "任务所有者（{vendor}:{name}）", "task owner ({vendor}:{name})"),
    ("check.ignored.decision_ref", "决策引用（{vendor}:{name}）", "decision reference ({vendor}:{name})"),
    ("check.ignored.triggerable", "可触发的服务任务（{vendor}:{name}）", "triggerable service task ({vendor}:{name})"),
    ("check.ignored.complete_async", "异步完成（{vendor}:{name}）", "asynchronous completion ({vendor}:{name})"),
    ("check.ignored.fallback_tenant", "回退到默认租户（{vendor}:{name}）", "fallback to the default tenant ({vendor}:{name})"),
    ("check.ignored.variable_mapping_class", "变量映射类（{vendor}:{name}）", "variable mapping class ({vendor}:{name})"),
    (
        "check.ignored.variable_mapping_delegate",
        "变量映射委托表达式（{vendor}:{name}）",
        "variable mapping delegate expression ({vendor}:{name})",
    ),
    ("check.ignored.compensation_handler", "补偿处理器（{vendor}:{name}）", "compensation handler ({vendor}:{name})"),
    ("check.ignored.attribute", "属性（{vendor}:{name}）", "attribute ({vendor}:{name})"),
    ("check.ignored.execution_listener", "执行监听器（{vendor}:{name}）", "execution listener ({vendor}:{name})"),
    ("check.ignored.task_listener", "任务监听器（{vendor}:{name}）", "task listener ({vendor}:{name})"),
    ("check.ignored.form_data", "表单数据（{vendor}:{name}）", "form data ({vendor}:{name})"),
    ("check.ignored.form_property", "表单属性（{vendor}:{name}）", "form property ({vendor}:{name})"),
    ("check.ignored.form_field", "表单字段（{vendor}:{name}）", "form field ({vendor}:{name})"),
    ("check.ignored.input_output", "输入/输出映射（{vendor}:{name}）", "input/output mapping ({vendor}:{name})"),
    ("check.ignored.properties", "扩展属性（{vendor}:{name}）", "properties ({vendor}:{name})"),
    ("check.ignored.field_injection", "字段注入（{vendor}:{name}）", "field injection ({vendor}:{name})"),
    ("check.ignored.connector", "连接器（{vendor}:{name}）", "connector ({vendor}:{name})"),
    ("check.ignored.retry_time_cycle", "重试时间周期（{vendor}:{name}）", "retry time cycle ({vendor}:{name})"),
    ("check.ignored.variable_mapping", "变量映射（{vendor}:{name}）", "variable mapping ({vendor}:{name})"),
    ("check.ignored.event_listener", "事件监听器（{vendor}:{name}）", "event listener ({vendor}:{name})"),
    ("check.ignored.extension_element", "扩展元素（{vendor}:{name}）", "extension element ({vendor}:{name})"),
    (
        "check.ignored.called_element_type",
        "被调用元素类型“{value}”（{vendor}:{name}）；calledElement 将按流程键读取",
        "called element type \"{value}\" ({vendor}:{name}); calledElement is read as a process key",
    ),
    (
        "check.ignored.unknown_binding",
        "未知的绑定方式“{value}”（{vendor}:{name}）；将调用最新版本",
        "unknown binding \"{value}\" ({vendor}:{name}); the latest version is called",
    ),
    ("check.ignored.foreign_attribute", "其他工具的属性（{name}）", "attribute of another tool ({name})"),
    ("check.ignored.foreign_extension", "其他工具的扩展元素（{name}）", "extension element of another tool ({name})"),
    ("check.ignored.standard_loop", "标准循环（standardLoopCharacteristics）", "standard loop (standardLoopCharacteristics)"),
    (
        "check.ignored.definition_attribute",
        "{definition} 的属性（{vendor}:{name}）",
        "attribute of the {definition} ({vendor}:{name})",
    ),
    // Defects of the diagram, also deploy warnings; `{what}` is a `check.diagram.value.*`.
    (
        "check.diagram.unknown_element",
        "流程图：所绘制的“{element}”不是文件中的元素（按未知元素绘制）",
        "diagram: it draws \"{element}\", which is no element of the file (drawn as unknown)",
    ),
    (
        "check.diagram.shape_bounds",
        "流程图：形状的 <dc:Bounds> {what}，因此不予绘制",
        "diagram: the shape's <dc:Bounds> {what}, so it is not drawn",
    ),
    (
        "check.diagram.no_bounds",
        "流程图：形状没有 <dc:Bounds>，因此不予绘制",
        "diagram: the shape has no <dc:Bounds>, so it is not drawn",
    ),
    (
        "check.diagram.no_size",
        "流程图：形状没有尺寸（宽 {width}，高 {height}），因此可能不可见",
        "diagram: the shape has no size (width {width}, height {height}), so it may be invisible",
    ),
    (
        "check.diagram.waypoint",
        "流程图：某个 <di:waypoint> {what}，因此被略去",
        "diagram: a <di:waypoint> {what}, so it is left out",
    ),
    (
        "check.diagram.few_waypoints",
        "流程图：连线只有 {count} 个 waypoint，少于画一条线所需的两个，因此不予绘制",
        "diagram: the edge has {count} waypoint(s), fewer than the two a line needs, so it is not drawn",
    ),
    (
        "check.diagram.duplicate_id",
        "流程图：其 id“{id}”已被第 {line} 行的 <{tag}> 使用，因此不予保留",
        "diagram: its id \"{id}\" is already used by the <{tag}> on line {line}, so it is not kept",
    ),
    (
        "check.diagram.label_bounds",
        "流程图：标签的 <dc:Bounds> {what}，因此标签放在默认位置",
        "diagram: the label's <dc:Bounds> {what}, so the label goes to its default place",
    ),
    ("check.diagram.value.missing", "缺少 {attr}", "has no {attr}"),
    (
        "check.diagram.value.out_of_range",
        "中的 {attr}=\"{value}\" 超出范围（±{max}）",
        "has {attr}=\"{value}\", which is out of range (±{max})",
    ),
    ("check.diagram.value.not_a_number", "中的 {attr}=\"{value}\" 不是数字", "has {attr}=\"{value}\", which is not a number"),
];
