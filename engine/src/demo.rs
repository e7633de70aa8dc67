//! Demo data for the first start of an empty database, so the console shows a living system.

use crate::bpmn::parse::ParseOptions;
use crate::catalog::CatalogInput;
use crate::error::Result;
use crate::identity::{Account, Role};
use crate::Engine;

/// The id of the tenant that exists in every database; API calls without a tenant use it.
pub const DEFAULT_TENANT: &str = "default";

/// What [`Engine::load_demo`] created, for the start-up message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub tenants: usize,
    pub units: usize,
    pub people: usize,
    pub catalog_nodes: usize,
    /// Extra accounts created (user name), signing in with the admin password.
    pub accounts: Vec<String>,
    /// Process definition versions deployed.
    pub definitions: usize,
    pub instances: usize,
}

/// The demo processes: (catalog code, file name, content), deployed in this order, so the
/// leave process has two versions.
const DEMO_FILES: &[(&str, &str, &str)] = &[
    ("finance-expense", "expense.bpmn", include_str!("../demo/expense.bpmn")),
    ("admin-leave", "leave.bpmn", include_str!("../demo/leave-v1.bpmn")),
    ("admin-leave", "leave.bpmn", include_str!("../demo/leave-v2.bpmn")),
    ("admin-seal", "seal.bpmn", include_str!("../demo/seal.bpmn")),
    ("finance-payment", "payment.bpmn", include_str!("../demo/payment.bpmn")),
];

/// The organisation of the demo company: (unit, parent unit, people as (id, name, groups)).
type DemoUnit = (&'static str, Option<&'static str>, &'static [(&'static str, &'static str, &'static str)]);

const DEMO_ORG: &[DemoUnit] = &[
    ("星河科技有限公司", None, &[("zhangwei", "张伟", "management")]),
    (
        "财务部",
        Some("星河科技有限公司"),
        &[("wangfang", "王芳", "finance,management"), ("lina", "李娜", "finance"), ("liuyang", "刘洋", "finance")],
    ),
    ("人力资源部", Some("星河科技有限公司"), &[("chenjing", "陈静", "hr,management"), ("yangmin", "杨敏", "hr")]),
    (
        "研发中心",
        Some("星河科技有限公司"),
        &[("zhaolei", "赵磊", "rd,management"), ("huangqiang", "黄强", "rd"), ("zhoujie", "周杰", "rd")],
    ),
    ("前端组", Some("研发中心"), &[("wuhao", "吴昊", "rd,frontend"), ("xulin", "徐琳", "rd,frontend")]),
    ("销售部", Some("星河科技有限公司"), &[("sunli", "孙丽", "sales,management"), ("majun", "马军", "sales")]),
];

const DEMO_CATALOG: &[(&str, &str, Option<&str>)] = &[
    ("行政审批", "admin", None),
    ("请假", "admin-leave", Some("admin")),
    ("用印", "admin-seal", Some("admin")),
    ("财务", "finance", None),
    ("报销", "finance-expense", Some("finance")),
    ("付款", "finance-payment", Some("finance")),
    ("人事", "hr", None),
];

impl Engine {
    /// Makes sure the default tenant exists (every database has it).
    pub async fn ensure_default_tenant(&self) -> Result<()> {
        if !self.store.tenant_exists(DEFAULT_TENANT).await? {
            self.create_tenant(&Account::system(), Some(DEFAULT_TENANT), "默认租户").await?;
        }
        Ok(())
    }

    /// Creates the `admin` account when it does not exist. Returns the password when one was
    /// generated (no password given), so the caller can print it once.
    pub async fn ensure_admin(&self, password: Option<&str>) -> Result<Option<String>> {
        if self.account_exists("admin").await? {
            return Ok(None);
        }
        let generated = password.is_none().then(generate_password);
        let pw = password.or(generated.as_deref()).unwrap_or_default();
        self.create_account("admin", "管理员", pw, Role::Admin, None).await?;
        Ok(generated)
    }

    /// Whether the database holds no data yet beyond the default tenant and accounts.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.store.unit_and_catalog_node_count().await? == 0)
    }

    /// Loads the demo tenants, organisation and catalog. `manager_password` is the password of
    /// the demo tenant manager account.
    pub async fn load_demo(&self, manager_password: &str) -> Result<DemoSummary> {
        let sys = Account::system();
        let mut summary = DemoSummary::default();
        self.ensure_default_tenant().await?;
        self.create_tenant(&sys, Some("east"), "华东分公司").await?;
        summary.tenants = 2;

        for tenant in [DEFAULT_TENANT, "east"] {
            let mut unit_ids: Vec<(&str, String)> = Vec::new();
            for (unit, parent, people) in DEMO_ORG {
                let parent_id = parent.and_then(|p| unit_ids.iter().find(|(n, _)| *n == p).map(|(_, id)| id.as_str()));
                let created = self.create_org_unit(&sys, tenant, parent_id, unit).await?;
                summary.units += 1;
                for (id, name, groups) in people.iter() {
                    // Person ids are the names people sign tasks with; the second tenant's
                    // people get a prefix so ids stay unique across tenants.
                    let pid = person_id(tenant, id);
                    let groups: Vec<&str> = groups.split(',').collect();
                    self.create_person(&sys, &created.id, Some(&pid), name, &groups).await?;
                    summary.people += 1;
                }
                unit_ids.push((unit, created.id));
            }
        }

        let mut codes: Vec<(&str, String)> = Vec::new();
        for (name, code, parent) in DEMO_CATALOG {
            let parent_id = parent.and_then(|p| codes.iter().find(|(c, _)| *c == p).map(|(_, id)| id.as_str()));
            let input = CatalogInput { name: name.to_string(), code: code.to_string() };
            let node = self.create_catalog_node(&sys, parent_id, &input).await?;
            codes.push((code, node.id));
            summary.catalog_nodes += 1;
        }

        // The second tenant gets only the expense process, so each tenant's lists differ.
        let east_files = &DEMO_FILES[..1];
        for (tenant, demo_files) in [(DEFAULT_TENANT, DEMO_FILES), ("east", east_files)] {
            for (code, file, xml) in demo_files {
                let catalog = codes.iter().find(|(c, _)| c == code).map(|(_, id)| id.as_str());
                let files = vec![(file.to_string(), xml.as_bytes().to_vec())];
                let report = self.deploy(&sys, tenant, catalog, files, &ParseOptions::default()).await?;
                summary.definitions += report.files.iter().map(|f| f.definitions.len()).sum::<usize>();
            }
        }

        self.create_account("east-manager", "华东租户管理员", manager_password, Role::TenantManager, Some("east"))
            .await?;
        summary.accounts.push("east-manager".into());
        summary.instances = self.load_demo_instances().await?;
        Ok(summary)
    }
}

/// The base URL the demo payment process calls (`BPM_PUBLIC_URL`, default
/// `http://127.0.0.1:3000`), without a trailing `/`; its `/demo/` endpoints are the server's.
pub fn public_url() -> String {
    std::env::var("BPM_PUBLIC_URL")
        .ok()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:3000".into())
}

/// A random 16-character password from an alphabet without look-alike characters.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// The id of a demo person in `tenant`: ids are global, so other tenants prefix theirs.
fn person_id(tenant: &str, id: &str) -> String {
    if tenant == DEFAULT_TENANT {
        id.to_string()
    } else {
        format!("{tenant}.{id}")
    }
}

/// One demo instance: the process key, its variables, and what happens to it after it starts.
enum DemoStep {
    /// Complete the open task at this activity, as this person.
    Complete(&'static str, &'static str),
    /// Reassign the open task at this activity to this person.
    Reassign(&'static str, &'static str, &'static str),
    /// Withdraw the completed task at this activity.
    Withdraw(&'static str),
    Suspend(&'static str),
    Terminate(&'static str),
    /// Move the instance's start and its open tasks this many days into the past, so that
    /// due dates have passed (overdue tasks).
    Backdate(i64),
}

type DemoInstance = (&'static str, &'static str, &'static str, &'static str, &'static [DemoStep]);

/// Demo instances: (process key, business key, initiator, variables as JSON, steps).
const DEMO_INSTANCES: &[DemoInstance] = &[
    (
        "expense",
        "BX-2026-001",
        "zhangwei",
        r#"{"amount": 5200, "reason": "客户拜访差旅"}"#,
        &[DemoStep::Reassign("managerApproval", "wangfang", "部门经理出差，转财务经理审批")],
    ),
    ("expense", "BX-2026-002", "huangqiang", r#"{"amount": 860, "reason": "办公用品"}"#, &[DemoStep::Backdate(4)]),
    (
        "expense",
        "BX-2026-003",
        "sunli",
        r#"{"amount": 300, "reason": "快递费"}"#,
        &[DemoStep::Complete("managerApproval", "zhaolei"), DemoStep::Complete("cashier", "lina")],
    ),
    (
        "expense",
        "BX-2026-004",
        "majun",
        r#"{"amount": 3000, "reason": "展会物料"}"#,
        &[DemoStep::Complete("managerApproval", "sunli"), DemoStep::Withdraw("managerApproval")],
    ),
    (
        "expense",
        "BX-2026-005",
        "zhoujie",
        r#"{"amount": 12000, "reason": "服务器采购"}"#,
        &[DemoStep::Complete("managerApproval", "zhaolei"), DemoStep::Backdate(3)],
    ),
    ("expense", "BX-2026-006", "wuhao", r#"{"amount": 450, "reason": "培训教材"}"#, &[DemoStep::Suspend("发票待补充")]),
    (
        "expense",
        "BX-2026-007",
        "xulin",
        r#"{"amount": 99, "reason": "重复提交"}"#,
        &[DemoStep::Terminate("重复提交，已作废")],
    ),
    ("leave", "QJ-2026-011", "yangmin", r#"{"days": 3, "type": "年假"}"#, &[]),
    (
        "leave",
        "QJ-2026-012",
        "liuyang",
        r#"{"days": 1, "type": "事假"}"#,
        &[DemoStep::Complete("leaderApproval", "wangfang"), DemoStep::Complete("hrRecord", "chenjing")],
    ),
    (
        "seal",
        "YY-2026-021",
        "chenjing",
        r#"{"signers": ["zhangwei", "wangfang", "zhaolei"], "document": "采购合同"}"#,
        &[],
    ),
];

impl Engine {
    /// Starts the demo instances of the default tenant (and one in `east`): instances in every
    /// state, tasks to do, overdue and completed, a reassignment and a withdrawal.
    pub async fn load_demo_instances(&self) -> Result<usize> {
        use crate::instances::StartRequest;
        let sys = Account::system();
        let mut started = 0;
        for (tenant, instances) in [(DEFAULT_TENANT, DEMO_INSTANCES), ("east", &DEMO_INSTANCES[..1])] {
            for (key, business_key, initiator, variables, steps) in instances.iter() {
                let variables = serde_json::from_str(variables).unwrap_or_default();
                let req = StartRequest {
                    tenant: Some(tenant.to_owned()),
                    business_key: Some(business_key.to_string()),
                    initiator: Some(person_id(tenant, initiator)),
                    variables,
                };
                let inst = self.start_instance(&sys, key, None, req).await?;
                for step in steps.iter() {
                    self.demo_step(tenant, &inst.id, step).await?;
                }
                started += 1;
            }
        }
        // Payments run through the job executor: a timer, then a call to the server's own demo
        // endpoint, then an asynchronous continuation (`asyncBefore`) into the cashier's task;
        // the second one fails into the 错误 category after its retries.
        let base = public_url();
        for (business_key, payee, amount, path) in
            [("FK-2026-031", "星河物流", 1800, "/demo/echo"), ("FK-2026-032", "云端软件", 4600, "/demo/fail")]
        {
            let variables = serde_json::json!({
                "demoBaseUrl": base, "paymentPath": path, "payee": payee, "amount": amount
            });
            let req = StartRequest {
                tenant: Some(DEFAULT_TENANT.to_owned()),
                business_key: Some(business_key.to_owned()),
                initiator: Some("liuyang".to_owned()),
                variables: variables.as_object().cloned().unwrap_or_default(),
            };
            self.start_instance(&sys, "payment", None, req).await?;
            started += 1;
        }
        Ok(started)
    }

    async fn demo_step(&self, tenant: &str, instance: &str, step: &DemoStep) -> Result<()> {
        let actor = |name: &str| Account { username: person_id(tenant, name), ..Account::system() };
        let sys = Account::system();
        let task_at = |activity: &'static str| async move {
            let d = self.instance(&Account::system(), instance).await?;
            Ok::<_, crate::EngineError>(d.tasks.into_iter().rev().find(|t| t.activity_id == activity))
        };
        match step {
            DemoStep::Complete(activity, who) => {
                if let Some(t) = task_at(activity).await? {
                    self.complete_task(&actor(who), &t.id, Default::default()).await?;
                }
            }
            DemoStep::Reassign(activity, to, reason) => {
                if let Some(t) = task_at(activity).await? {
                    self.reassign_task(&sys, &t.id, &person_id(tenant, to), reason).await?;
                }
            }
            DemoStep::Withdraw(activity) => {
                if let Some(t) = task_at(activity).await? {
                    self.withdraw_task(&sys, &t.id, "金额填写有误，撤回修改").await?;
                }
            }
            DemoStep::Suspend(reason) => {
                self.suspend_instance(&sys, instance, reason, None).await?;
            }
            DemoStep::Terminate(reason) => {
                self.terminate_instance(&sys, instance, reason, None).await?;
            }
            DemoStep::Backdate(days) => {
                self.store.backdate_instance(instance, days * 86_400_000).await?;
            }
        }
        Ok(())
    }
}
