//! People by name: the logins an instance page or list shows (initiators, the actors of the
//! history, the operations log and the variable history) named from the organisation of the
//! row's tenant, in one read per page after its rows are read (the page queries stay as they
//! are). A login that is no person of that tenant (a console account such as `admin`, the
//! engine itself) keeps no name and is shown as it is.

use std::collections::HashMap;

use super::{InstanceDetail, InstanceSummary, Task};
use crate::error::Result;
use crate::Engine;

/// Names by (tenant, login), as [`crate::store::Store::people_names`] answers them.
type Names = HashMap<(String, String), String>;

fn name_of(names: &Names, tenant: &str, login: &str) -> Option<String> {
    names.get(&(tenant.to_owned(), login.to_owned())).cloned()
}

impl Engine {
    /// Fills `initiator_name` of every instance of a page.
    pub(super) async fn name_initiators(&self, items: &mut [InstanceSummary]) -> Result<()> {
        let logins: Vec<&str> = items.iter().filter_map(|i| i.initiator.as_deref()).collect();
        let names = self.store.people_names(&logins).await?;
        for i in items.iter_mut() {
            i.initiator_name = i.initiator.as_deref().and_then(|l| name_of(&names, &i.tenant_id, l));
        }
        Ok(())
    }

    /// Fills `candidate_user_names` of the tasks of a page that wait for someone to take them.
    pub(super) async fn name_candidates(&self, items: &mut [Task]) -> Result<()> {
        let open = |t: &Task| t.assignee.is_none();
        let logins: Vec<&str> =
            items.iter().filter(|t| open(t)).flat_map(|t| t.candidate_users.iter().map(String::as_str)).collect();
        let names = self.store.people_names(&logins).await?;
        for t in items.iter_mut().filter(|t| open(t)) {
            t.candidate_user_names = t.candidate_users.iter().map(|l| name_of(&names, &t.tenant_id, l)).collect();
        }
        Ok(())
    }

    /// Fills the names of the people an instance's page shows: its initiator and the actors of
    /// its history, operations and variable changes.
    pub(super) async fn name_people_of(&self, d: &mut InstanceDetail) -> Result<()> {
        let tenant = d.summary.tenant_id.clone();
        let mut logins: Vec<&str> = d.summary.initiator.as_deref().into_iter().collect();
        logins.extend(d.history.iter().filter_map(|h| h.actor.as_deref()));
        logins.extend(d.operations.iter().map(|o| o.actor.as_str()));
        logins.extend(d.variable_history.iter().map(|c| c.actor.as_str()));
        let names = self.store.people_names(&logins).await?;
        let name = |login: &str| name_of(&names, &tenant, login);
        d.summary.initiator_name = d.summary.initiator.as_deref().and_then(name);
        for h in &mut d.history {
            h.actor_name = h.actor.as_deref().and_then(name);
        }
        for o in &mut d.operations {
            o.actor_name = name(&o.actor);
        }
        for c in &mut d.variable_history {
            c.actor_name = name(&c.actor);
        }
        Ok(())
    }
}
