//! Rows of `COPY (…) TO STDOUT` in PostgreSQL's text format, read field by field: what
//! `customer_days` loads its copy from. Read here rather than as rows decoded by `sqlx` in `app`
//! because `app` is built unoptimised by the `serve` profile, and a whole copy is millions of
//! rows (docs/performance.md).
//!
//! The format (<https://www.postgresql.org/docs/current/sql-copy.html>, "Text Format"): one line
//! a row, fields separated by a tab, `\N` for NULL, and in a field a backslash escapes the
//! characters that would break it (`\t`, `\n`, `\\`, …). PostgreSQL sends each row of a
//! `COPY TO` in a message of its own, so a chunk as `sqlx` hands it over holds whole lines.
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A line that is not the row expected: which row of the stream (from 1), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyError {
    pub row: u64,
    pub what: String,
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {} of the COPY output: {}", self.row, self.what)
    }
}

impl std::error::Error for CopyError {}

/// Counts the rows of one `COPY` stream, for the errors.
#[derive(Default)]
pub(crate) struct Lines {
    row: u64,
}

impl Lines {
    /// How many lines were read.
    pub(crate) fn count(&self) -> u64 {
        self.row
    }

    /// Calls `each` with the fields of every line of `chunk` (a chunk ends with a whole line).
    pub(crate) fn each(
        &mut self,
        chunk: &[u8],
        mut each: impl FnMut(&mut Fields<'_>) -> Result<(), String>,
    ) -> Result<(), CopyError> {
        let Some(body) = chunk.strip_suffix(b"\n") else {
            return Err(CopyError {
                row: self.row + 1,
                what: "a line without its end (a row split across messages)".into(),
            });
        };
        for line in body.split(|b| *b == b'\n') {
            self.row += 1;
            let mut fields = Fields {
                rest: Some(line),
                column: 0,
            };
            each(&mut fields)
                .and_then(|()| fields.end())
                .map_err(|what| CopyError {
                    row: self.row,
                    what,
                })?;
        }
        Ok(())
    }
}

/// The fields of one line, taken in order.
pub(crate) struct Fields<'a> {
    rest: Option<&'a [u8]>,
    column: usize,
}

impl<'a> Fields<'a> {
    /// The next field as written (escapes and all); `None` for NULL.
    fn raw(&mut self) -> Result<Option<&'a [u8]>, String> {
        self.column += 1;
        let rest = self
            .rest
            .ok_or_else(|| format!("column {} is missing", self.column))?;
        let (field, rest) = match rest.iter().position(|b| *b == b'\t') {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        self.rest = rest;
        Ok((field != b"\\N").then_some(field))
    }

    fn not_null(&mut self) -> Result<&'a [u8], String> {
        self.raw()?
            .ok_or_else(|| format!("column {} is NULL", self.column))
    }

    /// A number, date or other value written without escapes.
    fn parse<T: FromStr>(&mut self, what: &str) -> Result<T, String> {
        let field = self.not_null()?;
        std::str::from_utf8(field)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                format!(
                    "column {} is not {what}: {:?}",
                    self.column,
                    String::from_utf8_lossy(field)
                )
            })
    }

    pub(crate) fn int(&mut self) -> Result<i64, String> {
        self.parse("an integer")
    }

    /// A decimal number, with its decimal places as written — but a zero as `Decimal::ZERO`,
    /// with none, as `sqlx` reads PostgreSQL's binary zero (the copy's sums stay what they were).
    pub(crate) fn decimal(&mut self) -> Result<Decimal, String> {
        let value: Decimal = self.parse("a decimal number")?;
        Ok(if value.is_zero() {
            Decimal::ZERO
        } else {
            value
        })
    }

    /// A date written as its number of days since 1970-01-01 (`day - date '1970-01-01'`: no
    /// dependence on the session's `DateStyle`).
    pub(crate) fn day(&mut self) -> Result<NaiveDate, String> {
        let days: i32 = self.parse("a number of days")?;
        NaiveDate::from_epoch_days(days)
            .ok_or_else(|| format!("column {} is out of the dates' range: {days}", self.column))
    }

    pub(crate) fn text(&mut self) -> Result<String, String> {
        let field = self.not_null()?;
        self.unescape(field)
    }

    pub(crate) fn text_or_null(&mut self) -> Result<Option<String>, String> {
        self.raw()?.map(|field| self.unescape(field)).transpose()
    }

    /// A text field with its backslash escapes undone.
    fn unescape(&self, field: &[u8]) -> Result<String, String> {
        let bytes = if field.contains(&b'\\') {
            let mut out = Vec::with_capacity(field.len());
            let mut i = 0;
            while i < field.len() {
                let b = field[i];
                i += 1;
                if b != b'\\' || i == field.len() {
                    out.push(b);
                    continue;
                }
                let e = field[i];
                i += 1;
                match e {
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(0x0b),
                    b'0'..=b'7' => {
                        // Up to three octal digits.
                        let mut value = u32::from(e - b'0');
                        for _ in 0..2 {
                            match field.get(i) {
                                Some(d @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(value as u8);
                    }
                    b'x' if field.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                        // One or two hexadecimal digits.
                        let mut value = 0_u8;
                        for _ in 0..2 {
                            match field.get(i).and_then(|d| (*d as char).to_digit(16)) {
                                Some(d) => {
                                    value = value * 16 + d as u8;
                                    i += 1;
                                }
                                None => break,
                            }
                        }
                        out.push(value);
                    }
                    // Any other escaped character stands for itself (`\\` included).
                    other => out.push(other),
                }
            }
            out
        } else {
            field.to_vec()
        };
        String::from_utf8(bytes).map_err(|_| format!("column {} is not UTF-8", self.column))
    }

    /// Every field has been read.
    fn end(&self) -> Result<(), String> {
        match self.rest {
            None => Ok(()),
            Some(_) => Err(format!("more than {} columns", self.column)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(chunk: &[u8]) -> Result<Vec<(i64, String, Option<String>)>, CopyError> {
        let mut rows = Vec::new();
        Lines::default().each(chunk, |f| {
            rows.push((f.int()?, f.text()?, f.text_or_null()?));
            Ok(())
        })?;
        Ok(rows)
    }

    #[test]
    fn reads_fields_nulls_and_escapes() {
        let rows = read(b"1\tweb\t\\N\n-2\ta\\tb\\\\c\\nd\tCa\\303\\247a \\x41\\x4a!\n").unwrap();
        assert_eq!(
            rows,
            vec![
                (1, "web".into(), None),
                (-2, "a\tb\\c\nd".into(), Some("Caça AJ!".into())),
            ]
        );
        // Text PostgreSQL writes as it is (no escape needed): non-ASCII and a lone backslash
        // at the end are kept.
        assert_eq!(
            read("3\tÖsterreich\t\\\n".as_bytes()).unwrap(),
            vec![(3, "Österreich".into(), Some("\\".into()))]
        );
    }

    #[test]
    fn reads_days_and_decimals() {
        let mut got = Vec::new();
        Lines::default()
            .each(b"0\t-0.50\n20635\t12345678901234.0100\n-1\t0.00\n", |f| {
                got.push((f.day()?, f.decimal()?));
                Ok(())
            })
            .unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            got,
            vec![
                (d("1970-01-01"), "-0.50".parse().unwrap()),
                (d("2026-07-01"), "12345678901234.0100".parse().unwrap()),
                (d("1969-12-31"), Decimal::ZERO),
            ]
        );
        // The scale is kept as written, as the rows' sums keep it; a zero has none.
        assert_eq!(got[1].1.scale(), 4);
        assert_eq!(got[2].1.scale(), 0);
    }

    #[test]
    fn says_which_row_and_column_is_wrong() {
        let err = read(b"1\tweb\tx\n2\tshop\n").unwrap_err();
        assert_eq!(err.row, 2);
        assert_eq!(err.what, "column 3 is missing");
        let err = read(b"1\tweb\tx\tmore\n").unwrap_err();
        assert_eq!((err.row, err.what.as_str()), (1, "more than 3 columns"));
        let err = read(b"x1\tweb\tx\n").unwrap_err();
        assert_eq!(err.what, "column 1 is not an integer: \"x1\"");
        let err = read(b"\\N\tweb\tx\n").unwrap_err();
        assert_eq!(err.what, "column 1 is NULL");
        let err = read(b"1\tweb\tx").unwrap_err();
        assert!(err.what.contains("without its end"), "{err}");
        let err = read(b"1\t\\377\tx\n").unwrap_err();
        assert_eq!(err.what, "column 2 is not UTF-8");
        assert_eq!(
            err.to_string(),
            "row 1 of the COPY output: column 2 is not UTF-8"
        );
    }
}
