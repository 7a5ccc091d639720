//! Opening an uploaded file and streaming its rows: CSV (UTF-8, or ISO-8859-1 when a field is
//! not UTF-8), optionally gzip-compressed, or XLSX. Memory stays bounded whatever the size: rows
//! are handed on one at a time, no row may exceed `MAX_LINE_BYTES`, and a workbook passes the
//! bounds of `xlsx::check` before calamine reads it.
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{DataRef, Reader, Xlsx};

use super::xlsx::{self, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS};
use super::IngestError;

pub const MAX_LINE_BYTES: u64 = 1 << 20;

/// Counters the reader advances as it goes, for progress bars.
#[derive(Default)]
pub struct Progress {
    /// Bytes of the file read so far (compressed bytes for .gz).
    pub bytes: AtomicU64,
    pub rows: AtomicU64,
}

/// What the reader noticed about a file, for the run summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileNotes {
    pub gzip: bool,
    pub xlsx: bool,
    /// Some fields were not UTF-8 and were read as ISO-8859-1.
    pub latin1_fields: u64,
}

pub enum Event {
    Header(Vec<String>),
    Row { line: u64, fields: Vec<String> },
}

struct Counting<'a, R> {
    inner: R,
    progress: &'a Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Fails a read once a record (a line, or several inside a quoted field) runs past
/// `MAX_LINE_BYTES`, so that a file that is not really line-oriented cannot make the reader
/// buffer it whole; and follows the quoting as the CSV reader does, so that a quote left open
/// at the end of the file (which the reader would silently accept) is reported. The byte loop
/// is `formats::RecordScan` (compiled optimised in every build that optimises).
struct LineGuard<R> {
    inner: R,
    scan: formats::RecordScan,
}

impl<R> LineGuard<R> {
    fn new(inner: R) -> Self {
        LineGuard {
            inner,
            scan: formats::RecordScan::new(MAX_LINE_BYTES),
        }
    }

    /// The line where a quoted field opened and never closed, once the input is read.
    fn unclosed_quote(&self) -> Option<u64> {
        self.scan.unclosed_quote()
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.scan.scan(&buf[..n]) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, LineTooLong));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LineTooLong;
impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line is longer than {} MiB", MAX_LINE_BYTES >> 20)
    }
}
impl std::error::Error for LineTooLong {}

/// Reads `path` (shown to users as `name`), calling `on_event` with the header and then each
/// row; `on_event` may stop early by returning `Break`.
pub fn read_rows(
    path: &Path,
    name: &str,
    progress: &Progress,
    mut on_event: impl FnMut(Event) -> Result<ControlFlow<()>, IngestError>,
) -> Result<FileNotes, IngestError> {
    let fail = |message: String| IngestError::File {
        file: name.to_string(),
        message,
    };
    let file = File::open(path).map_err(|e| fail(format!("cannot be opened: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size == 0 {
        return Err(fail("is empty (0 bytes): nothing to load".into()));
    }
    let mut raw = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: file,
            progress,
        },
    );
    let head = raw
        .fill_buf()
        .map_err(|e| fail(format!("cannot be read: {e}")))?
        .to_vec();
    let mut notes = FileNotes::default();

    if head.starts_with(b"PK\x03\x04") {
        notes.xlsx = true;
        drop(raw);
        read_xlsx(path, name, &mut on_event)?;
        progress.bytes.store(size, Ordering::Relaxed);
        return Ok(notes);
    }
    let text: Box<dyn BufRead + '_> = if head.starts_with(&[0x1f, 0x8b]) {
        notes.gzip = true;
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    read_csv(text, name, &mut notes, &mut on_event)?;
    Ok(notes)
}

fn read_csv(
    mut text: Box<dyn BufRead + '_>,
    name: &str,
    notes: &mut FileNotes,
    on_event: &mut impl FnMut(Event) -> Result<ControlFlow<()>, IngestError>,
) -> Result<(), IngestError> {
    let gzip = notes.gzip;
    let fail = |message: String| IngestError::File {
        file: name.to_string(),
        message,
    };
    let describe_io = |e: &io::Error, line: u64| -> String {
        if e.get_ref().is_some_and(|inner| inner.is::<LineTooLong>()) {
            format!(
                "line {line} is longer than {} MiB: this does not look like a CSV file",
                MAX_LINE_BYTES >> 20
            )
        } else if gzip
            && matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::InvalidInput
                    | io::ErrorKind::InvalidData
            )
        {
            format!(
                "the gzip data is truncated or damaged (after line {}): nothing was loaded",
                line.saturating_sub(1)
            )
        } else {
            format!("cannot be read after line {}: {e}", line.saturating_sub(1))
        }
    };

    let head = text.fill_buf().map_err(|e| fail(describe_io(&e, 1)))?;
    if head.is_empty() {
        return Err(fail("is empty: nothing to load".into()));
    }
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Err(fail(
            "is UTF-16 text. Save it as CSV UTF-8 (or plain CSV) and upload it again".into(),
        ));
    }
    if head.iter().take(8192).any(|&b| b == 0) {
        return Err(fail("is not a text file (it contains NUL bytes). StorePulse reads CSV, CSV.gz and XLSX files".into()));
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineGuard::new(text));
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    let mut last_line = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                let line = err.position().map(|p| p.line()).unwrap_or(last_line + 1);
                let message = match err.kind() {
                    csv::ErrorKind::Io(io_err) => describe_io(io_err, line),
                    _ => format!("line {line}: {err}"),
                };
                return Err(fail(message));
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(last_line + 1);
        last_line = line;
        let mut fields: Vec<String> = record
            .iter()
            .map(|f| decode(f, &mut notes.latin1_fields))
            .collect();
        if first {
            if let Some(f) = fields.first_mut() {
                *f = f.trim_start_matches('\u{feff}').to_string();
            }
            first = false;
            if on_event(Event::Header(fields))?.is_break() {
                return Ok(());
            }
            continue;
        }
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if on_event(Event::Row { line, fields })?.is_break() {
            return Ok(());
        }
    }
    if let Some(line) = reader.get_ref().unclosed_quote() {
        return Err(fail(format!(
            "line {line}: a quoted field opens with \" and is never closed (a lone or unbalanced quote): nothing was loaded"
        )));
    }
    if first {
        return Err(fail("is empty: nothing to load".into()));
    }
    Ok(())
}

/// UTF-8 when it is; otherwise ISO-8859-1, where every byte is one character.
fn decode(bytes: &[u8], latin1_fields: &mut u64) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            *latin1_fields += 1;
            bytes.iter().map(|&b| b as char).collect()
        }
    }
}

fn read_xlsx(
    path: &Path,
    name: &str,
    on_event: &mut impl FnMut(Event) -> Result<ControlFlow<()>, IngestError>,
) -> Result<(), IngestError> {
    let fail = |message: String| IngestError::File {
        file: name.to_string(),
        message,
    };
    xlsx::check(path).map_err(fail)?;
    let mut workbook: Xlsx<_> = calamine::open_workbook(path)
        .map_err(|e| fail(format!("is not a readable XLSX workbook: {e}")))?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| fail("has no worksheet".into()))?;
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| fail(format!("sheet '{sheet}' cannot be read: {e}")))?;
    let mut current: Option<u32> = None;
    let mut fields: Vec<String> = Vec::new();
    let mut row_bytes = 0usize;
    let mut header_sent = false;
    let mut flush = |row: u32,
                     fields: &mut Vec<String>,
                     header_sent: &mut bool|
     -> Result<ControlFlow<()>, IngestError> {
        let taken = std::mem::take(fields);
        if !*header_sent {
            *header_sent = true;
            return on_event(Event::Header(taken));
        }
        if taken.iter().all(|f| f.trim().is_empty()) {
            return Ok(ControlFlow::Continue(()));
        }
        on_event(Event::Row {
            line: row as u64 + 1,
            fields: taken,
        })
    };
    loop {
        let cell = cells
            .next_cell()
            .map_err(|e| fail(format!("sheet '{sheet}' is damaged: {e}")))?;
        let Some(cell) = cell else { break };
        let (row, column) = cell.get_position();
        let at = || format!("cell {}{}", xlsx::column_name(column), row as u64 + 1);
        // calamine counts cells without a reference on: bounded here as well.
        if column >= MAX_COLUMNS {
            return Err(fail(format!(
                "sheet '{sheet}': {} is beyond Excel's last column XFD ({MAX_COLUMNS} columns)",
                at()
            )));
        }
        if row >= MAX_ROWS {
            return Err(fail(format!(
                "sheet '{sheet}': {} is beyond Excel's last row ({MAX_ROWS})",
                at()
            )));
        }
        if current != Some(row) {
            if let Some(previous) = current {
                if flush(previous, &mut fields, &mut header_sent)?.is_break() {
                    return Ok(());
                }
            }
            current = Some(row);
            row_bytes = 0;
        }
        let text = cell_text(cell.get_value());
        let chars = text.chars().count();
        if chars > MAX_CELL_CHARS {
            return Err(fail(format!(
                "sheet '{sheet}': {} holds {chars} characters; Excel allows at most {MAX_CELL_CHARS}",
                at()
            )));
        }
        row_bytes += text.len();
        if row_bytes > MAX_LINE_BYTES as usize {
            return Err(fail(format!(
                "sheet '{sheet}': row {} is longer than {} MiB (at {}): this does not look like a data sheet",
                row as u64 + 1,
                MAX_LINE_BYTES >> 20,
                at()
            )));
        }
        let column = column as usize;
        if fields.len() <= column {
            fields.resize(column + 1, String::new());
        }
        fields[column] = text;
    }
    match current {
        Some(row) => {
            let _ = flush(row, &mut fields, &mut header_sent)?;
            Ok(())
        }
        None => Err(fail(format!("sheet '{sheet}' is empty: nothing to load"))),
    }
}

/// A spreadsheet cell as the text a CSV would hold.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => rust_decimal::Decimal::from_f64_retain(*f)
            .map(|d| d.round_dp(6).normalize().to_string())
            .unwrap_or_else(|| f.to_string()),
        DataRef::Bool(b) => b.to_string(),
        // Excel's dates end at serial 2,958,465 (9999-12-31); calamine's conversion panics on
        // values far beyond, so those stay numbers (and are rejected as dates later).
        DataRef::DateTime(dt) if dt.as_f64().abs() > 3e6 => dt.as_f64().to_string(),
        DataRef::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    type Rows = (Vec<String>, Vec<(u64, Vec<String>)>, FileNotes);

    fn rows_of(bytes: &[u8]) -> Result<Rows, String> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        let mut header = Vec::new();
        let mut rows = Vec::new();
        let notes = read_rows(file.path(), "test.csv", &Progress::default(), |event| {
            match event {
                Event::Header(h) => header = h,
                Event::Row { line, fields } => rows.push((line, fields)),
            }
            Ok(ControlFlow::Continue(()))
        })
        .map_err(|e| e.to_string())?;
        Ok((header, rows, notes))
    }

    #[test]
    fn quoted_fields_with_commas_and_newlines_keep_their_line_numbers() {
        let (header, rows, _) = rows_of(b"a,b\n1,\"x, y\"\n2,\"two\nlines\"\n3,z\n").unwrap();
        assert_eq!(header, vec!["a", "b"]);
        assert_eq!(rows[0], (2, vec!["1".into(), "x, y".into()]));
        assert_eq!(rows[1], (3, vec!["2".into(), "two\nlines".into()]));
        assert_eq!(
            rows[2].0, 5,
            "the row after a two-line field starts on line 5"
        );
    }

    #[test]
    fn latin1_text_is_decoded_and_noted() {
        let (_, rows, notes) = rows_of(b"name\ncaf\xe9\n").unwrap();
        assert_eq!(rows[0].1, vec!["café".to_string()]);
        assert_eq!(notes.latin1_fields, 1);
    }

    #[test]
    fn gzip_is_recognised_and_truncation_is_reported() {
        use flate2::{write::GzEncoder, Compression};
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        let body: String = (0..20_000).map(|i| format!("{i},value {i}\n")).collect();
        gz.write_all(format!("a,b\n{body}").as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let (_, rows, notes) = rows_of(&bytes).unwrap();
        assert!(notes.gzip);
        assert_eq!(rows.len(), 20_000);
        let err = rows_of(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(err.contains("gzip data is truncated or damaged"), "{err}");
    }

    #[test]
    fn empty_binary_utf16_and_huge_lines_get_their_own_messages() {
        assert!(rows_of(b"").unwrap_err().contains("is empty (0 bytes)"));
        assert!(rows_of(b"\n\n").unwrap_err().contains("is empty"));
        assert!(rows_of(b"\xff\xfea\x00b\x00")
            .unwrap_err()
            .contains("UTF-16"));
        assert!(rows_of(b"abc\x00\x01\x02")
            .unwrap_err()
            .contains("not a text file"));
        let mut huge = b"a,b\n1,".to_vec();
        huge.extend(std::iter::repeat_n(b'x', (MAX_LINE_BYTES + 10) as usize));
        let err = rows_of(&huge).unwrap_err();
        assert!(err.contains("line 2 is longer than 1 MiB"), "{err}");
    }

    #[test]
    fn a_utf8_bom_is_not_part_of_the_first_column() {
        let (header, _, _) = rows_of("\u{feff}InvoiceNo,Quantity\n1,2\n".as_bytes()).unwrap();
        assert_eq!(header[0], "InvoiceNo");
    }
}
