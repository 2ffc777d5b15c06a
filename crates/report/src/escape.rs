//! Escaping of text taken from the data (AS names, addresses, prefixes,
//! anything) before it goes into HTML, SVG or Markdown.

/// Text safe inside HTML or SVG elements and quoted attributes.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text that Markdown shows as written, also inside a table cell: the
/// punctuation that could start emphasis, code, links, headings or cells
/// backslash-escaped, `<` and `>` as entities, line breaks as
/// spaces.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x&y")</script> it's"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; it&#39;s"
        );
        assert_eq!(html("175.45.176.0/24"), "175.45.176.0/24");
    }

    #[test]
    fn markdown_escapes_table_and_inline_syntax() {
        assert_eq!(markdown("a|b *c* <d>"), r"a\|b \*c\* &lt;d&gt;");
        assert_eq!(markdown("x\ny"), "x y");
    }
}
