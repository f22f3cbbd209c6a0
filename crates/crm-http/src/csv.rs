//! CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Cyrillic), `;` between
//! cells (Excel's separator in locales with a decimal comma), CRLF line ends, quoting, and
//! formula defanging: a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! prefixed with `'` so that no spreadsheet evaluates it.

/// The UTF-8 byte-order mark that starts the file.
pub const BOM: &str = "\u{feff}";
/// The cell separator.
pub const SEPARATOR: char = ';';

/// One cell: defanged, then quoted when it holds the separator, a quote or a line break.
pub fn cell(value: &str) -> String {
    let defanged = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defanged.contains([SEPARATOR, '"', '\n', '\r']) {
        format!("\"{}\"", defanged.replace('"', "\"\""))
    } else {
        defanged
    }
}

/// One line of cells, ending in CRLF.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(&SEPARATOR.to_string());
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defanged_and_separators_quoted() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("+7"), "'+7");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@cmd"), "'@cmd");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("Ирина"), "Ирина");
        assert_eq!(line(&["a", "b"]), "a;b\r\n");
    }
}
