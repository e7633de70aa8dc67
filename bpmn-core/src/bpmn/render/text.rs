//! Label layout without a font engine: text widths are estimated per character and names are
//! wrapped greedily — on spaces (and after hyphens) for Latin text, between any two characters
//! for CJK text — then cut with `…` when they do not fit the available lines.

/// Font size of every label, in px.
pub(super) const FONT_SIZE: f64 = 12.0;
/// Distance between two baselines, in px.
pub(super) const LINE_HEIGHT: f64 = 14.0;

const ELLIPSIS: char = '…';

/// A label font size, with the wrapping and measuring that depend on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Font {
    pub size: f64,
}

impl Font {
    /// Names inside shapes, pools, lanes, annotations.
    pub const NORMAL: Font = Font { size: FONT_SIZE };
    /// Labels outside shapes (events, gateways, data, edges), smaller like in most modellers so
    /// they stay within the boxes the modeller computed.
    pub const SMALL: Font = Font { size: 11.0 };

    /// Distance between two baselines.
    pub fn line_height(self) -> f64 {
        LINE_HEIGHT * self.size / FONT_SIZE
    }

    /// Estimated width of `s`.
    pub fn width(self, s: &str) -> f64 {
        text_width(s) * self.size / FONT_SIZE
    }

    /// [`wrap`] at this size: widths scale linearly with the size, so wrapping at
    /// `FONT_SIZE` to a proportionally wider box gives the same lines.
    pub fn wrap(self, text: &str, max_width: f64, max_lines: usize) -> Vec<String> {
        wrap(text, max_width * FONT_SIZE / self.size, max_lines)
    }

    /// How many lines fit in `height` (at least one).
    pub fn lines_in(self, height: f64) -> usize {
        let n = (height / self.line_height()).floor();
        if n.is_finite() && n >= 1.0 {
            n.min(1000.0) as usize
        } else {
            1
        }
    }
}

/// True for characters drawn about twice as wide as a Latin letter (East Asian wide and
/// full-width forms, plus emoji).
pub(super) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD)
}

/// Characters between which a line may break even without a space: CJK ideographs, kana,
/// Hangul syllables and full-width forms.
fn breaks_anywhere(c: char) -> bool {
    is_wide(c)
}

/// Punctuation that must not start a line (kinsoku): it stays glued to what precedes it.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '・'
            | '：'
            | '；'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | 'ー'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | '%'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
    )
}

/// Advance widths of printable ASCII in Arial/Helvetica (and the metric-compatible Liberation
/// Sans), in thousandths of an em, from `' '` (0x20) to `'~'` (0x7E).
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' ' .. '/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0' .. '?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@' .. 'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P' .. '_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`' .. 'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p' .. '~'
];

/// Estimated advance width of `c` at [`FONT_SIZE`]: Arial's metrics for ASCII, 7.2 px for other
/// narrow characters (accented Latin, Greek, Cyrillic, ...), 12 px for CJK.
pub(super) fn char_width(c: char) -> f64 {
    if is_wide(c) {
        return FONT_SIZE;
    }
    match c as u32 {
        code @ 0x20..=0x7E => f64::from(ASCII_WIDTHS[(code - 0x20) as usize]) * FONT_SIZE / 1000.0,
        _ => FONT_SIZE * 0.6,
    }
}

/// Estimated width of a whole string at [`FONT_SIZE`].
pub(super) fn text_width(s: &str) -> f64 {
    s.chars().map(char_width).sum()
}

/// A piece of text that is never broken unless it is wider than a whole line.
struct Token {
    text: String,
    width: f64,
    /// A space separates it from the previous token (dropped at a line break).
    space_before: bool,
}

fn tokenize(paragraph: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut word = String::new();
    let mut word_space = false;
    let mut pending_space = false;

    fn flush(tokens: &mut Vec<Token>, word: &mut String, space: bool) {
        if !word.is_empty() {
            let text = std::mem::take(word);
            tokens.push(Token { width: text_width(&text), text, space_before: space });
        }
    }

    for c in paragraph.chars() {
        if c.is_whitespace() {
            flush(&mut tokens, &mut word, word_space);
            pending_space = true;
        } else if no_line_start(c) && !pending_space && (word.is_empty() || is_wide(c)) {
            // Glue to the previous token so it never begins a line.
            if !word.is_empty() {
                word.push(c);
            } else if let Some(last) = tokens.last_mut() {
                last.text.push(c);
                last.width += char_width(c);
            } else {
                word.push(c);
                word_space = false;
            }
        } else if breaks_anywhere(c) {
            flush(&mut tokens, &mut word, word_space);
            tokens.push(Token { text: c.to_string(), width: char_width(c), space_before: pending_space });
            pending_space = false;
        } else {
            if word.is_empty() {
                word_space = pending_space;
                pending_space = false;
            }
            word.push(c);
            // A hyphen ends a breakable piece: "Sub-" / "Process".
            if c == '-' && word.chars().count() > 1 {
                flush(&mut tokens, &mut word, word_space);
                word_space = false;
            }
        }
    }
    flush(&mut tokens, &mut word, word_space);
    tokens
}

/// Wraps `text` into lines no wider than `max_width` (estimated), keeping explicit line breaks,
/// and cuts it to `max_lines` lines (at least one), ending the last kept line with `…`.
pub(super) fn wrap(text: &str, max_width: f64, max_lines: usize) -> Vec<String> {
    let max_width = if max_width.is_finite() { max_width.max(FONT_SIZE) } else { FONT_SIZE };
    let max_lines = max_lines.max(1);
    let space = char_width(' ');
    let mut lines: Vec<String> = Vec::new();

    for paragraph in text.trim().lines() {
        let mut cur = String::new();
        let mut cur_w = 0.0;
        for tok in tokenize(paragraph) {
            let sep = if tok.space_before && !cur.is_empty() { space } else { 0.0 };
            if !cur.is_empty() && cur_w + sep + tok.width > max_width {
                lines.push(std::mem::take(&mut cur));
                cur_w = 0.0;
            }
            if cur.is_empty() && tok.width > max_width {
                // A word longer than a line: break it between characters.
                for ch in tok.text.chars() {
                    let cw = char_width(ch);
                    if !cur.is_empty() && cur_w + cw > max_width {
                        lines.push(std::mem::take(&mut cur));
                        cur_w = 0.0;
                    }
                    cur.push(ch);
                    cur_w += cw;
                }
                continue;
            }
            if !cur.is_empty() && tok.space_before {
                cur.push(' ');
                cur_w += space;
            }
            cur.push_str(&tok.text);
            cur_w += tok.width;
        }
        // An empty paragraph is an intentional blank line, kept unless it would be the first.
        if !cur.is_empty() || !lines.is_empty() {
            lines.push(cur);
        }
        if lines.len() > max_lines {
            break;
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }

    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(last, max_width);
        }
    }
    lines
}

/// `line` shortened until it fits `max_width` with a trailing `…`.
fn ellipsize(line: &str, max_width: f64) -> String {
    let mut s = line.trim_end().to_string();
    let ell = char_width(ELLIPSIS);
    while !s.is_empty() && text_width(&s) + ell > max_width {
        s.pop();
    }
    let mut s = s.trim_end().to_string();
    s.push(ELLIPSIS);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_wraps_on_spaces() {
        let lines = wrap("Approve the purchase order now", 90.0, 10);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            assert!(text_width(l) <= 90.0, "{l}");
            assert!(!l.starts_with(' ') && !l.ends_with(' '));
        }
        assert_eq!(lines.join(" "), "Approve the purchase order now");
    }

    #[test]
    fn cjk_breaks_between_characters() {
        let lines = wrap("采购订单审批流程需要经理确认", 60.0, 10);
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l) <= 60.0));
        assert_eq!(lines.concat(), "采购订单审批流程需要经理确认");
    }

    #[test]
    fn cjk_punctuation_does_not_start_a_line() {
        let lines = wrap("申请。批准、完成", 24.0, 10);
        assert!(lines.iter().all(|l| !l.starts_with('。') && !l.starts_with('、')), "{lines:?}");
    }

    #[test]
    fn long_words_are_split_and_overflow_is_ellipsized() {
        let lines = wrap("Supercalifragilisticexpialidocious", 50.0, 10);
        assert!(lines.len() > 1);
        let lines = wrap("one two three four five six seven eight", 40.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(text_width(&lines[1]) <= 40.0);
    }

    #[test]
    fn explicit_newlines_are_kept() {
        assert_eq!(wrap("a\nb", 200.0, 5), vec!["a", "b"]);
        assert_eq!(wrap("  ", 200.0, 5), Vec::<String>::new());
    }

    #[test]
    fn hyphenated_words_break_after_the_hyphen() {
        let lines = wrap("Expanded Sub-Process", 100.0, 5);
        assert_eq!(lines, vec!["Expanded Sub-", "Process"]);
    }
}
