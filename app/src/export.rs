//! CSV exports: what one row of each exported wire type looks like (its header and cells, in
//! `types.rs` next to the type), the cell formats the exports share, and the defusing that makes
//! every cell safe to open in a spreadsheet. The REST layer (`server/src/api`) writes the file.
use rust_decimal::Decimal;

/// One row of a CSV export.
pub trait CsvRow {
    /// The column names, in the order of [`CsvRow::cells`].
    const HEADER: &'static [&'static str];
    /// This row's values as text, one per column. They are written through
    /// [`spreadsheet_safe`], so a cell may hold anything the user typed.
    fn cells(&self) -> Vec<String>;
}

/// A ratio or optional amount (empty when absent), to 6 decimal places at most.
pub fn ratio(value: Option<Decimal>) -> String {
    value.map(|s| s.round_dp(6).to_string()).unwrap_or_default()
}

/// An optional value as it displays (empty when absent).
pub fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A measured quantity (demand, cover, elasticity …) to 4 decimal places.
pub fn float(value: f64) -> String {
    format!("{value:.4}")
}

/// An optional measured quantity (empty when absent).
pub fn opt_float(value: Option<f64>) -> String {
    value.map(float).unwrap_or_default()
}

/// Makes a value safe to open in a spreadsheet (OWASP "CSV injection"): a cell that a
/// spreadsheet could evaluate gets a leading apostrophe, which shows it as text. That is any cell
/// starting with `=`, `+`, `-`, `@`, tab or carriage return, their full-width forms (`＝＋－＠`,
/// which some spreadsheets fold to ASCII), or any of those after leading whitespace. A plain
/// decimal number (`-12.50`, `3`) stays as it is, so that amounts stay numbers; anything else
/// that merely parses as a float (`-Infinity`, `-1e5`, `+5`) is defused like text.
pub fn spreadsheet_safe(value: &str) -> String {
    if is_plain_decimal(value) {
        return value.to_string();
    }
    let risky = |c: char| {
        matches!(
            c,
            '=' | '+'
                | '-'
                | '@'
                | '\t'
                | '\r'
                | '\n'
                | '\u{FF1D}'
                | '\u{FF0B}'
                | '\u{FF0D}'
                | '\u{FF20}'
        )
    };
    match value.trim_start().chars().next() {
        _ if value.starts_with(['\t', '\r', '\n']) => format!("'{value}"),
        Some(c) if risky(c) => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// `-?digits[.digits]`: how the exports write numbers (Rust's and rust_decimal's `Display`).
fn is_plain_decimal(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("WHITE MUG"), "WHITE MUG");
        assert_eq!(spreadsheet_safe("-1+2"), "'-1+2");
        assert_eq!(spreadsheet_safe("+1+2"), "'+1+2");
        assert_eq!(spreadsheet_safe("\t=1"), "'\t=1");
        assert_eq!(spreadsheet_safe("\r=1"), "'\r=1");
        assert_eq!(spreadsheet_safe("\nx"), "'\nx");
        // Whatever merely parses as a float is not a plain number.
        for value in [
            "-Infinity",
            "-inf",
            "+Infinity",
            "-NaN",
            "+5",
            "-1e5",
            "1e5+1",
        ] {
            assert!(
                spreadsheet_safe(value).starts_with('\'') || !value.starts_with(['-', '+']),
                "{value} -> {}",
                spreadsheet_safe(value)
            );
        }
        assert_eq!(spreadsheet_safe("-Infinity"), "'-Infinity");
        // Leading whitespace and full-width forms.
        assert_eq!(spreadsheet_safe("  =1+2"), "'  =1+2");
        assert_eq!(spreadsheet_safe("\u{3000}@SUM(A1)"), "'\u{3000}@SUM(A1)");
        assert_eq!(spreadsheet_safe("\u{FF1D}1+2"), "'\u{FF1D}1+2");
        assert_eq!(spreadsheet_safe("\u{FF0B}1"), "'\u{FF0B}1");
        assert_eq!(spreadsheet_safe("\u{FF0D}1"), "'\u{FF0D}1");
        assert_eq!(spreadsheet_safe("\u{FF20}x"), "'\u{FF20}x");
        assert_eq!(spreadsheet_safe(" - 5"), "' - 5");
        // A text that only contains an operator later is left alone.
        assert_eq!(spreadsheet_safe("Mug = 2 for 1"), "Mug = 2 for 1");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn plain_numbers_stay_numbers() {
        for value in ["-12.50", "12.50", "0", "-0.5", "1234567890.123", "-3"] {
            assert_eq!(spreadsheet_safe(value), value);
        }
        for value in ["-", "-.5", "5.", "1.2.3", "--1", "1,5"] {
            assert!(!is_plain_decimal(value), "{value}");
        }
    }

    #[test]
    fn cell_formats() {
        assert_eq!(ratio(Some(Decimal::new(1_234_567_891, 9))), "1.234568");
        assert_eq!(ratio(None), "");
        assert_eq!(opt(Some(3)), "3");
        assert_eq!(opt::<i64>(None), "");
        assert_eq!(float(1.0 / 3.0), "0.3333");
        assert_eq!(opt_float(None), "");
    }
}
