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
