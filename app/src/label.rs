//! The console's words for the shared value types of `bpmn_core`: the label key (see
//! `i18n`) of a state or kind, and the CSS class of a state's badge. The types themselves
//! live in the core crate; how the console names and colours them lives here, with the pages.

/// The label key of a value the console shows.
pub trait Label {
    fn label(self) -> &'static str;
}

/// The CSS class of a state's badge.
pub trait Badge {
    fn class(self) -> &'static str;
}

/// A person as every screen names them (task assignees, initiators, the actors of the history,
/// the operations log and the variable history): by name with the login as a hint
/// (`王芳 (wangfang)`), or the login as it is when the organisation does not know it (a console
/// account such as `admin`, the engine).
pub fn person_label(login: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() && n != login => format!("{n} ({login})"),
        _ => login.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::person_label;

    #[test]
    fn a_person_is_named_with_the_login_as_a_hint() {
        assert_eq!(person_label("wangfang", Some("王芳")), "王芳 (wangfang)");
        assert_eq!(person_label("admin", None), "admin");
        assert_eq!(person_label("bob", Some("")), "bob");
    }
}
