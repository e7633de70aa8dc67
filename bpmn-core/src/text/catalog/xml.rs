//! The XML reader's own findings (quick-xml's errors), inside the parser's "not well-formed"
//! sentences (`{detail}`): lower case, no full stop; tags and names as written.

pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("parse.xml.invalid_bang", "无法识别的 <! 标记", "unknown or incomplete markup after <!"),
    (
        "parse.xml.unclosed_pi",
        "处理指令或 XML 声明没有以 ?> 结束",
        "a processing instruction or XML declaration is not closed with ?>",
    ),
    ("parse.xml.unclosed_comment", "注释没有以 --> 结束", "a comment is not closed with -->"),
    ("parse.xml.unclosed_doctype", "DOCTYPE 没有以 > 结束", "a DOCTYPE is not closed with >"),
    ("parse.xml.unclosed_cdata", "CDATA 没有以 ]]> 结束", "a CDATA section is not closed with ]]>"),
    ("parse.xml.unclosed_tag", "标签没有以 > 结束", "a tag is not closed with >"),
    ("parse.xml.decl_no_version", "XML 声明中没有 version 属性", "the XML declaration has no version attribute"),
    (
        "parse.xml.decl_version_not_first",
        "XML 声明必须以 version 属性开头，而不是 {attribute}",
        "the XML declaration must start with the version attribute, not {attribute}",
    ),
    ("parse.xml.doctype_no_name", "<!DOCTYPE> 没有文档类型名称", "the <!DOCTYPE> has no document type name"),
    ("parse.xml.missing_end_tag", "文件结束前没有找到 </{tag}>", "</{tag}> is missing before the end of the file"),
    (
        "parse.xml.unmatched_end_tag",
        "结束标签 </{tag}> 没有对应的开始标签",
        "the end tag </{tag}> closes no open element",
    ),
    (
        "parse.xml.mismatched_end_tag",
        "应为 </{expected}>，却出现了 </{found}>",
        "expected </{expected}>, but </{found}> was found",
    ),
    ("parse.xml.double_hyphen", "注释中含有不允许的 --", "a comment contains --, which is not allowed"),
    (
        "parse.xml.unclosed_reference",
        "实体或字符引用没有以 ; 结束",
        "an entity or character reference is not closed with ;",
    ),
    ("parse.xml.attr_expected_eq", "属性名后应紧跟 = ", "an attribute name must be followed by ="),
    ("parse.xml.attr_expected_value", "= 之后缺少属性值", "a value must follow ="),
    ("parse.xml.attr_unquoted", "属性值必须用 \" 或 ' 括起来", "an attribute value must be enclosed in \" or '"),
    ("parse.xml.attr_expected_quote", "缺少结束引号 {quote}", "the closing quote {quote} is missing"),
    ("parse.xml.attr_duplicated", "同一属性出现了两次", "the same attribute is given twice"),
    (
        "parse.xml.not_utf8",
        "第 {offset} 个字节之后的内容不是有效的 UTF-8",
        "the text after byte {offset} is not valid UTF-8",
    ),
    ("parse.xml.unknown_entity", "未知的实体 &{name};", "unknown entity &{name};"),
    ("parse.xml.unterminated_entity", "& 之后没有找到 ;", "no ; follows &"),
    ("parse.xml.char_ref_sign", "字符引用中不能有正负号", "a character reference cannot have a sign"),
    ("parse.xml.char_ref_number", "字符引用不是有效的数字", "the character reference is not a valid number"),
    ("parse.xml.char_ref_codepoint", "{n} 不是有效的 Unicode 码位", "{n} is not a valid Unicode code point"),
    ("parse.xml.char_ref_illegal", "字符 0x{n} 不允许出现在 XML 中", "the character 0x{n} is not allowed in XML"),
    ("parse.xml.unknown_prefix", "命名空间前缀“{prefix}”未声明", "the namespace prefix '{prefix}' is not declared"),
    (
        "parse.xml.xml_prefix_bind",
        "前缀 xml 不能绑定到“{namespace}”",
        "the prefix xml cannot be bound to '{namespace}'",
    ),
    (
        "parse.xml.xmlns_prefix_bind",
        "前缀 xmlns 不能绑定到“{namespace}”",
        "the prefix xmlns cannot be bound to '{namespace}'",
    ),
    (
        "parse.xml.prefix_for_xml",
        "前缀“{prefix}”不能绑定到 XML 命名空间",
        "the prefix '{prefix}' cannot be bound to the XML namespace",
    ),
    (
        "parse.xml.prefix_for_xmlns",
        "前缀“{prefix}”不能绑定到 xmlns 命名空间",
        "the prefix '{prefix}' cannot be bound to the xmlns namespace",
    ),
];
