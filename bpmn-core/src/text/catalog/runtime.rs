//! Running processes: instances, tasks, jobs, external tasks, messages and signals,
//! variables; and the rules (`rules.*`) the engine and the console's buttons share.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("rules.state.running", "运行中", "running"),
    ("rules.state.suspended", "已挂起", "suspended"),
    ("rules.state.completed", "已完成", "completed"),
    ("rules.state.terminated", "已终止", "terminated"),
    ("rules.cannot_in_state", "无法{what}（实例“{id}”）：实例{state}。{hint}", "Cannot {what} instance '{id}': it is {state}. {hint}"),
    ("rules.hint.resume_first", "请先恢复实例。", "Resume the instance first."),
    (
        "rules.hint.ended",
        "已结束的实例不再接受操作，请刷新查看其当前状态。",
        "An ended instance takes no more work; reload to see where it stands.",
    ),
    (
        "rules.withdraw.went_on",
        "任务“{task}”无法撤回：流程在它之后已经经过了其他步骤（服务调用、定时器、子流程实例或结束），或其多实例活动尚未全部完成。请改用实例的“调整”。",
        "Task '{task}' cannot be withdrawn: after it the process went on through other steps (a service call, a timer, a sub-process instance, the end) or its multi-instance activity was not finished. Use Adjust on the instance instead.",
    ),
    (
        "rules.withdraw.next_handled",
        "任务“{task}”无法撤回：下一步“{next}”已被办理。请改用实例的“调整”。",
        "Task '{task}' cannot be withdrawn: the next step '{next}' has already been handled. Use Adjust on the instance instead.",
    ),
    (
        "rules.withdraw.next_handled_by",
        "任务“{task}”无法撤回：下一步“{next}”已由 {by} 办理。请改用实例的“调整”。",
        "Task '{task}' cannot be withdrawn: the next step '{next}' has already been handled by {by}. Use Adjust on the instance instead.",
    ),
    (
        "rules.withdraw.next_gone",
        "任务“{task}”无法撤回：其完成时创建的任务已不存在。",
        "Task '{task}' cannot be withdrawn: the tasks its completion created are gone.",
    ),
    // What an instance operation refused by a rule was (`{what}` of rules.cannot_in_state:
    // "无法{what}（实例…）" / "Cannot {what} instance …"), and what to do instead (`{hint}`).
    ("run.op.complete_task", "办理任务", "complete a task of"),
    ("run.op.suspend", "挂起", "suspend"),
    ("run.op.resume", "恢复", "resume"),
    ("run.op.terminate", "终止", "terminate"),
    ("run.op.adjust", "调整", "adjust"),
    ("run.op.reassign_task", "改派任务", "reassign a task of"),
    ("run.op.withdraw_task", "撤回任务", "withdraw a task of"),
    ("run.op.change_variable", "修改变量", "change a variable of"),
    ("run.op.retry", "重试", "retry"),
    ("run.hint.only_running_suspends", "只有运行中的实例可以挂起。", "Only a running instance can be suspended."),
    ("run.hint.only_suspended_resumes", "只有已挂起的实例可以恢复。", "Only a suspended instance can be resumed."),
    ("run.hint.already_ended", "该实例已经结束。", "It has already ended."),
    ("run.hint.tasks_closed", "其任务均已关闭。", "Its tasks are closed."),
    ("run.hint.withdraw_while_running", "只有运行中的实例才能撤回任务。", "Withdrawal works only while it runs."),
    (
        "run.hint.variables_are_history",
        "已结束实例的变量已成为历史记录。",
        "The variables of an ended instance are history.",
    ),
    // Variables.
    (
        "run.variable_name_unusable",
        "“{name}”不是可用的变量名：变量名须为 1 至 200 个字符。",
        "`{name}` is not a usable variable name: give a name of 1 to 200 characters.",
    ),
    (
        "run.variable_nul",
        "变量“{name}”中含有 NUL 字符（U+0000），无法保存，请将其删除。",
        "Variable '{name}' contains the NUL character (U+0000), which cannot be stored; remove it.",
    ),
    (
        "run.variable_set_and_deleted",
        "变量“{name}”既被设置又被删除，请只在其中一处提交。",
        "Variable '{name}' is both set and deleted; send it in one of the two only.",
    ),
    // Starting instances.
    (
        "run.tenant_ambiguous",
        "流程“{key}”部署在多个租户中（{tenants}），请用 `tenant` 指定其中一个。",
        "Process '{key}' is deployed in several tenants ({tenants}); say which one with `tenant`.",
    ),
    (
        "run.not_startable",
        "“{name}”版本 {version} 无法启动：{reasons}。请修改模型后部署新版本。",
        "'{name}' version {version} cannot be started: {reasons}. Change the model and deploy a new version.",
    ),
    (
        "run.no_start_event",
        "流程定义“{definition}”中没有开始事件“{activity}”，请重新部署。",
        "Definition '{definition}' has no start event '{activity}'; deploy it again.",
    ),
    (
        "run.stored_file_unparsable",
        "流程定义“{definition}”存储的文件已无法解析：{error}",
        "The stored file of definition '{definition}' no longer parses: {error}",
    ),
    (
        "run.stored_file_no_process",
        "流程定义“{definition}”存储的文件中没有流程“{key}”。",
        "The stored file of definition '{definition}' has no process '{key}'.",
    ),
    (
        "run.stored_state_unreadable",
        "实例“{id}”存储的状态无法读取（{error}），请终止该实例。",
        "The stored state of instance '{id}' cannot be read ({error}); terminate it.",
    ),
    ("run.state_unstorable", "实例状态无法保存：{error}", "The instance state cannot be stored: {error}"),
    (
        "run.call_loop",
        "该操作经由调用活动涉及了超过 {max} 个实例：流程之间无休止地相互调用。请检查调用活动所调用的流程。",
        "The command reached more than {max} instances through call activities; the processes call each other without end. Check the call activities' called elements.",
    ),
    // Adjust (调整).
    ("run.move_choose_from", "请至少选择一个要调整的活动节点。", "Choose at least one active activity to move."),
    (
        "run.move_not_waiting",
        "实例“{id}”中没有令牌停留在活动“{activity}”，请刷新实例。",
        "No token waits in activity '{activity}' of instance '{id}'; reload the instance.",
    ),
    (
        "run.move_bad_target",
        "“{to}”不是此流程中可以调整到的活动，请从列表中选择。",
        "'{to}' is not an activity of this process that tokens can be moved to; pick one from the list.",
    ),
    // Tasks.
    ("run.task_already_completed", "任务“{task}”已完成，请刷新列表。", "Task '{task}' is already completed; reload the list."),
    ("run.task_already_cancelled", "任务“{task}”已取消，请刷新列表。", "Task '{task}' is already cancelled; reload the list."),
    (
        "run.task_handled_meanwhile",
        "任务“{task}”刚被其他人办理，请刷新列表。",
        "Task '{task}' was handled meanwhile by someone else; reload the list.",
    ),
    (
        "run.the_task_handled_meanwhile",
        "该任务刚被其他人办理，请刷新列表。",
        "The task was handled meanwhile by someone else; reload the list.",
    ),
    (
        "run.reassign_not_active",
        "任务“{task}”已不是待办任务，只能改派待办任务。",
        "Task '{task}' is no longer active; only an active task can be reassigned.",
    ),
    (
        "run.no_such_person",
        "此租户的组织中没有人员“{person}”，请从组织树中选择。",
        "There is no person '{person}' in this tenant's organisation; pick one from the tree.",
    ),
    ("run.already_assigned", "任务“{task}”的执行人已经是 {person}。", "Task '{task}' is already assigned to {person}."),
    (
        "run.withdraw_still_to_do",
        "任务“{task}”尚未办理，只有已完成的任务可以撤回。",
        "Task '{task}' is still to do; only a completed task can be withdrawn.",
    ),
    (
        "run.withdraw_cancelled",
        "任务“{task}”已被取消而不是完成，没有可撤回的内容。",
        "Task '{task}' was cancelled, not completed; there is nothing to withdraw.",
    ),
    ("run.activity_gone", "活动“{activity}”已不在流程中。", "Activity '{activity}' is not in the process any more."),
    (
        "run.withdraw_changed",
        "任务“{task}”无法撤回：下一步刚被修改，请刷新。",
        "Task '{task}' cannot be withdrawn: the next step changed meanwhile; reload.",
    ),
    ("run.withdraw_no_task", "撤回没有生成任何任务。", "The withdrawal created no task."),
    (
        "run.delete_active_task",
        "任务“{task}”在{state}的实例中仍是待办任务，删除它会使实例停滞。请先用“调整”让实例继续，或将实例“终止”，再删除该任务。",
        "Task '{task}' is still active in a {state} instance; deleting it would leave the instance stuck. Use Adjust to move the instance on, or Terminate it, then delete the task.",
    ),
    (
        "run.claimed_by_other",
        "任务“{task}”已被其他人（“{holder}”）认领。请对方取消认领，或通过 POST /task/{task}/assignee 将其交给“{user}”。",
        "Task '{task}' is already claimed by someone else ('{holder}'). Ask them to unclaim it, or give it to '{user}' with POST /task/{task}/assignee.",
    ),
    (
        "run.not_delegated",
        "任务“{task}”没有被委托，无需交还，请直接办理。",
        "Task '{task}' is not delegated, so there is nothing to resolve; complete it instead.",
    ),
    (
        "run.claim_ended",
        "任务“{task}”已结束，只能认领或分配待办任务。",
        "Task '{task}' has ended; only an active task can be claimed or assigned.",
    ),
    (
        "run.task_instance_not_running",
        "任务“{task}”所属的实例{state}，请先恢复实例。",
        "Task '{task}' belongs to a {state} instance; resume the instance first.",
    ),
    // Incidents (异常).
    (
        "run.incident_resolved",
        "该异常已经解决，请刷新实例。",
        "The incident is already resolved; reload the instance.",
    ),
    (
        "run.incident_token_moved",
        "此异常的令牌已不再停止（作业的异常请在“作业”页面重试）。",
        "This incident's token is no longer stopped (a job's incident is retried from the Jobs screen).",
    ),
    // Jobs (作业); `{what}` of run.job_instance_ended and run.job_ended.
    ("run.job_op.execute", "执行", "execute"),
    ("run.job_op.delete", "删除", "delete"),
    ("run.job_op.set_retries", "设置重试次数", "set the retries of"),
    (
        "run.job_instance_ended",
        "无法对作业“{job}”{what}：其所属实例“{id}”已结束。请刷新列表。",
        "Cannot {what} job '{job}': its instance '{id}' has ended. Reload the list.",
    ),
    (
        "run.job_ended",
        "无法对作业“{job}”{what}：其所属实例已结束。请刷新列表。",
        "Cannot {what} job '{job}': its instance has ended. Reload the list.",
    ),
    (
        "run.job_running_already",
        "作业“{job}”已在运行，请等待其结果后刷新。",
        "Job '{job}' is running already; wait for its outcome, then reload.",
    ),
    (
        "run.job_instance_suspended",
        "作业“{job}”所属的实例已挂起，请先恢复实例。",
        "Job '{job}' belongs to a suspended instance; resume the instance first.",
    ),
    (
        "run.job_taken_meanwhile",
        "作业“{job}”刚被执行器或其他人启动或删除，请刷新列表。",
        "Job '{job}' was started or deleted meanwhile by an executor or someone else; reload the list.",
    ),
    (
        "run.job_retries_negative",
        "重试次数必须大于或等于 0，不能是 {retries}；设为 0 会停止作业并产生异常。",
        "Retries must be 0 or more, not {retries}; 0 stops the job with an incident.",
    ),
    (
        "run.job_running_retries",
        "作业“{job}”正在运行，请等待其结果后再设置重试次数。",
        "Job '{job}' is running; wait for its outcome, then set its retries.",
    ),
    (
        "run.job_changed_retries",
        "作业“{job}”刚被启动或删除，请刷新后重试。",
        "Job '{job}' was started or deleted meanwhile; reload it and try again.",
    ),
    (
        "run.job_claim_lost",
        "作业刚被删除或被其他执行器接管，未写入任何内容。",
        "The job was deleted or taken over by another executor meanwhile; nothing was written.",
    ),
    // External tasks (外部任务); `{what}` of run.ext.locked_by_other and run.ext.not_locked.
    ("run.ext.op.complete", "完成", "completed"),
    ("run.ext.op.fail", "报告失败", "failed"),
    ("run.ext.op.bpmn_error", "以 BPMN 错误结束", "ended with a BPMN error"),
    ("run.ext.op.extend", "延长锁定", "extended"),
    (
        "run.ext.worker_id_missing",
        "拉取任务需要 workerId：锁定任务的工作者的名称。",
        "A fetch needs a workerId: the name of the worker that locks the tasks.",
    ),
    (
        "run.ext.too_many_tasks",
        "maxTasks 为 {given}，每次拉取最多 {max} 个任务。",
        "maxTasks is {given}; ask for at most {max} tasks per fetch.",
    ),
    ("run.ext.topic_missing", "拉取的每个主题都需要 topicName。", "Every topic of a fetch needs a topicName."),
    (
        "run.ext.lock_duration",
        "主题“{topic}”的 lockDuration 为 {given} 毫秒，请给出不超过 {max} 毫秒（一天）的正数时长。",
        "The lockDuration of topic '{topic}' is {given} ms; give a positive duration of at most {max} ms (a day).",
    ),
    (
        "run.ext.locked_by_other",
        "工作者“{worker}”无法{what}（外部任务“{id}”）：它已被工作者“{holder}”锁定。请先拉取并锁定它，或交由该工作者处理。",
        "External task '{id}' cannot be {what} by worker '{worker}': it is locked by worker '{holder}'. Fetch and lock it first, or leave it to that worker.",
    ),
    (
        "run.ext.not_locked",
        "工作者“{worker}”无法{what}（外部任务“{id}”）：它没有被锁定（锁已释放，或它已失败）。请先拉取并锁定它。",
        "External task '{id}' cannot be {what} by worker '{worker}': it is not locked (its lock was freed, or it failed). Fetch and lock it first.",
    ),
    (
        "run.ext.lock_lost",
        "工作者“{worker}”刚刚失去了外部任务“{id}”的锁（已解锁、已删除，或其实例已继续执行），未写入任何内容。请重新拉取并锁定。",
        "Worker '{worker}' lost the lock of external task '{id}' meanwhile (unlocked, deleted, or its instance moved on); nothing was written. Fetch and lock it again.",
    ),
    (
        "run.ext.instance_suspended",
        "外部任务“{id}”所属的实例“{instance}”已挂起，请先恢复实例，再报告结果。",
        "The instance '{instance}' of external task '{id}' is suspended; resume it, then report the outcome.",
    ),
    (
        "run.ext.not_waited_for",
        "实例“{instance}”已不再等待外部任务“{id}”（实例已结束或已继续执行），请放弃该任务。",
        "The instance '{instance}' no longer waits for external task '{id}' (it ended or moved on); drop the task.",
    ),
    (
        "run.ext.fail_retries_negative",
        "retries 不能为负数，请给出剩余的重试次数（0 会产生异常）。",
        "retries cannot be negative; give the retries left (0 raises an incident).",
    ),
    (
        "run.ext.retry_timeout_negative",
        "retryTimeout 不能为负数，请给出从现在起的毫秒数。",
        "retryTimeout cannot be negative; give milliseconds from now.",
    ),
    (
        "run.ext.error_code_missing",
        "BPMN 错误需要一个能被错误事件捕获的 errorCode。",
        "A BPMN error needs an errorCode that an error event can catch.",
    ),
    (
        "run.ext.new_duration",
        "newDuration 为 {given} 毫秒，请给出不超过一天的正数时长。",
        "newDuration is {given} ms; give a positive duration of at most a day.",
    ),
    (
        "run.ext.set_retries_negative",
        "retries 不能为负数：0 会产生异常，大于 0 则工作者可以再次拉取。",
        "retries cannot be negative; 0 raises an incident, more lets workers fetch it.",
    ),
    (
        "run.ext.instance_ended",
        "外部任务“{task}”所属的实例已结束。请刷新列表。",
        "The instance of external task '{task}' has ended. Reload the list.",
    ),
    // Messages (消息) and signals (信号).
    (
        "run.msg.nothing_waits",
        "没有实例在等待此消息（“{name}”），也没有以此消息启动的流程定义：没有实例停在此消息的捕获事件、接收任务或边界事件处。请检查消息名称（<message> 元素的 `name`）、业务标识和租户；消息也可能已经被投递过。",
        "Nothing waits for message '{name}': no instance waits at a catch event, receive task or boundary event of that message, and no definition starts with it. Check the message name (the `name` of the <message> element), the business key and the tenant; the message may also have been delivered already.",
    ),
    (
        "run.msg.nothing_waits_with",
        "没有实例在等待此消息（“{name}”，{with}），也没有以此消息启动的流程定义：没有实例停在此消息的捕获事件、接收任务或边界事件处。请检查消息名称（<message> 元素的 `name`）、业务标识和租户；消息也可能已经被投递过。",
        "Nothing waits for message '{name}' with {with}: no instance waits at a catch event, receive task or boundary event of that message, and no definition starts with it. Check the message name (the `name` of the <message> element), the business key and the tenant; the message may also have been delivered already.",
    ),
    // The conditions of run.msg.nothing_waits_with, and how a list of them is joined.
    ("run.msg.with_business_key", "业务标识为“{key}”", "business key '{key}'"),
    ("run.msg.with_instance", "实例为“{id}”", "instance '{id}'"),
    ("run.msg.with_correlation_keys", "关联键为 {keys}", "correlation keys {keys}"),
    ("run.list.and", "{first}、{rest}", "{first}, {rest}"),
    (
        "run.msg.instance_suspended",
        "实例“{id}”在等待此消息，但实例已挂起，请先恢复实例。",
        "Instance '{id}' waits for the message, but the instance is suspended; activate it first.",
    ),
    ("run.msg.name_required", "请填写消息名称（1 至 500 个字符）。", "Give the message's name (1 to 500 characters)."),
    ("run.signal.name_required", "请填写信号名称（1 至 500 个字符）。", "Give the signal's name (1 to 500 characters)."),
    (
        "run.msg.ambiguous",
        "有多个实例在等待此消息（“{name}”，共 {count} 个：{ids}）：请用业务标识、实例 ID 或关联键缩小范围，或设置 `all` 以投递给其中每一个实例。",
        "{count} instances wait for message '{name}' ({ids}); narrow it down with a business key, an instance id or correlation keys, or set `all` to deliver it to each of them.",
    ),
    (
        "run.msg.starts_several",
        "消息“{name}”会启动多个流程定义（{definitions}）：请指定租户，或设置 `all` 以逐一启动。",
        "Message '{name}' starts several definitions ({definitions}); name the tenant, or set `all` to start each.",
    ),
    (
        "run.signal.start_failed",
        "信号“{name}”未能启动流程“{process}”（流程定义 {definition}）：{error} 重试不会再次启动它；如需运行，请手动启动。",
        "Signal '{name}' did not start process '{process}' (definition {definition}): {error} A retry does not start it again: start it by hand if it should run.",
    ),
    ("run.instance_suspended", "实例已挂起（“{id}”），请先恢复实例。", "Instance '{id}' is suspended; activate it first."),
    (
        "run.token_not_waiting",
        "实例“{id}”已不再等待此消息或信号，请刷新。",
        "Instance '{id}' no longer waits for it; reload.",
    ),
    // Paging and the server's own state.
    (
        "run.bad_cursor",
        "分页位置已损坏或已过期，请从第一页重新加载列表。",
        "The page cursor is damaged or outdated; reload the list from the first page.",
    ),
    ("run.server_stopping", "服务器正在停止，不再保存任何内容，请重试。", "The server is stopping and saves nothing more; try again."),
    ("run.server_stopped", "服务器在保存修改之前已停止，请重试。", "The server stopped before the change was saved; try again."),
    // The token machine's refusals of a command (the core's RuntimeError).
    (
        "run.core.no_start_event",
        "流程“{process}”在流程层级没有空开始事件或定时开始事件。",
        "process `{process}` has no none or timer start event at process level.",
    ),
    ("run.core.already_started", "实例已经启动。", "the instance has already started."),
    ("run.core.not_started", "实例尚未启动。", "the instance has not started yet."),
    ("run.core.instance_ended", "实例已经结束。", "the instance has already ended."),
    ("run.core.unknown_token", "实例中没有令牌 {token}。", "the instance has no token {token}."),
    (
        "run.core.not_waiting",
        "位于“{node}”的令牌 {token} 并没有在等待{expected}。",
        "token {token} on `{node}` does not wait for {expected}.",
    ),
    (
        "run.core.no_matching_flow",
        "元素“{node}”：没有条件为真的出口顺序流，也没有默认顺序流。",
        "element `{node}`: no outgoing flow's condition is true and there is no default flow.",
    ),
    ("run.core.element_error", "元素“{node}”：{detail}。", "element `{node}`: {detail}."),
    ("run.core.unsupported", "元素“{node}”（{what}）暂时无法执行。", "element `{node}` ({what}) cannot be executed yet."),
    (
        "run.core.step_limit",
        "一步之内进入了超过 {max} 个元素而没有停下等待：模型存在死循环。",
        "the step entered more than {max} elements without waiting; the model loops.",
    ),
    // What a token waits for (`{expected}` of run.core.not_waiting).
    ("run.core.expects.message_or_signal", "消息或信号", "a message or signal"),
    ("run.core.expects.error", "错误", "an error"),
    ("run.core.expects.escalation", "升级", "an escalation"),
    ("run.core.expects.task", "任务办理", "a task to complete"),
    ("run.core.expects.assignment", "任务分配", "an assignment"),
    ("run.core.expects.called_process", "被调用流程完成", "a called process to complete"),
    ("run.core.expects.timer", "定时器", "a timer"),
    ("run.core.expects.retry", "重试", "a retry"),
    ("run.core.expects.async", "异步继续", "an asynchronous continuation"),
];
