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
];
