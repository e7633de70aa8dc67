//! The BPMN parser and its executability check: where in the file, what is wrong, what to do.

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
];
