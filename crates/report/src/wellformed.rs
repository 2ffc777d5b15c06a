//! A small well-formedness check of markup (the SVG chart, the HTML
//! page, which is written as XHTML-compatible markup): balanced tags,
//! quoted attributes, escaped `&`, `<` and `>`. Not a parser: enough to
//! catch what a renderer bug would produce.

/// Checks that `text` is well-formed markup as far as a report needs:
/// every element closed in order, attributes quoted, `&` only in
/// entities, nothing after the root closes but whitespace. A doctype and
/// comments are skipped. Returns the first problem found.
pub fn check(text: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text;
    let mut seen_root = false;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open])?;
        if !rest[..open].trim().is_empty() && stack.is_empty() && seen_root {
            return Err("text after the root element".into());
        }
        rest = &rest[open..];
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = body.find("-->").ok_or("unclosed comment")?;
            rest = &body[end + 3..];
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            let end = rest.find('>').ok_or("unclosed declaration")?;
            rest = &rest[end + 1..];
            continue;
        }
        let end = tag_end(rest).ok_or("unclosed tag")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => return Err(format!("</{name}> closes <{open}>")),
                None => return Err(format!("</{name}> closes nothing")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad tag name {name:?}"));
        }
        check_attributes(&tag[name.len()..])?;
        if stack.is_empty() && seen_root {
            return Err(format!("a second root element <{name}>"));
        }
        seen_root = true;
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    match stack.last() {
        Some(open) => Err(format!("<{open}> is not closed")),
        None if !seen_root => Err("no element".into()),
        None => Ok(()),
    }
}

/// Where the `>` closing the tag at the start of `text` is, outside
/// quotes.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            (None, '<') if i > 0 => return None,
            _ => {}
        }
    }
    None
}

fn check_attributes(text: &str) -> Result<(), String> {
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("attribute without value: {rest:?}"))?;
        let name = rest[..eq].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("bad attribute name {name:?}"));
        }
        let value = rest[eq + 1..].trim_start();
        let q = value.chars().next().filter(|c| *c == '"' || *c == '\'');
        let q = q.ok_or_else(|| format!("unquoted attribute {name}"))?;
        let close = value[1..]
            .find(q)
            .ok_or_else(|| format!("unclosed attribute {name}"))?;
        check_text(&value[1..1 + close])?;
        rest = value[close + 2..].trim_start();
    }
    Ok(())
}

/// `&` only as `&name;` or `&#digits;`, and no stray `>`.
fn check_text(text: &str) -> Result<(), String> {
    if text.contains('>') {
        return Err(format!("a bare > in {text:?}"));
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        rest = &rest[amp + 1..];
        let semi = rest.find(';').ok_or("a bare &")?;
        let entity = &rest[..semi];
        let ok = match entity.strip_prefix('#') {
            Some(digits) => !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()),
            None => !entity.is_empty() && entity.chars().all(|c| c.is_ascii_alphanumeric()),
        };
        if !ok {
            return Err(format!("a bare & before {entity:?}"));
        }
        rest = &rest[semi + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_catches_broken_markup() {
        assert!(check("<a><b></a></b>").is_err());
        assert!(check("<a x=1></a>").is_err());
        assert!(check("<a>&</a>").is_err());
        assert!(check("<a><b/>").is_err());
        assert!(check("<a>x > y</a>").is_err());
        assert!(check("<!DOCTYPE html><a x=\"1\"><!-- c --><b/>&amp;&#39;</a>").is_ok());
    }
}
