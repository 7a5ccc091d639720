//! Bounds on XLSX workbooks, checked before calamine reads them. calamine (through quick-xml)
//! buffers a whole XML text or tag, trusts declared counts and cell references, and keeps shared
//! strings in memory: a workbook of a few kilobytes could make it allocate gigabytes. So every
//! XML part is first unpacked once through a constant-memory scan that counts the real bytes
//! (not the declared sizes) and rejects over-long texts and tags, cell references beyond Excel's
//! sheet, and too many shared strings or styles. Other parts (images, macros) are skipped:
//! calamine never parses them, since the workbook and its sheets must be `.xml` parts (checked
//! in the relationships). Limits follow Excel's own where it has one.
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Columns of an Excel sheet (A … XFD).
pub const MAX_COLUMNS: u32 = 16_384;
/// Rows of an Excel sheet.
pub const MAX_ROWS: u32 = 1_048_576;
/// Characters in one Excel cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// One text run in the XML: a cell of 32,767 characters, each at most 4 bytes of UTF-8 or a
/// 6-byte entity such as `&quot;`, fits.
pub const MAX_TEXT_BYTES: u64 = 256 << 10;
/// One tag with its attributes.
pub const MAX_TAG_BYTES: usize = 64 << 10;
/// Shared strings (calamine keeps them all in memory).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// Unpacked size of a part other than a worksheet (shared strings, styles, workbook, …):
/// calamine keeps what they hold in memory.
pub const MAX_PART_BYTES: u64 = 64 << 20;
/// Unpacked size of one worksheet (streamed cell by cell: this bounds time, not memory).
pub const MAX_SHEET_BYTES: u64 = 2 << 30;
/// Unpacked size of all parts together.
pub const MAX_TOTAL_BYTES: u64 = 4 << 30;
/// Parts (files) in the workbook's ZIP directory; also the most sheets, and relationships in one
/// relationships part outside the worksheets' (calamine keeps them in memory).
pub const MAX_PARTS: u64 = 10_000;
/// Cell formats, fonts, fills, borders and number formats each (Excel's limit of unique cell
/// formats): calamine builds a style for each.
pub const MAX_STYLES: u64 = 64_000;

/// Checks the workbook at `path`; the error says what is wrong, for "<file> …" messages.
pub fn check(path: &Path) -> Result<(), String> {
    check_directory(path)?;
    let file = File::open(path).map_err(|e| format!("cannot be opened: {e}"))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("is not a readable XLSX workbook: {e}"))?;
    let mut total = 0u64;
    let mut shared_strings = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    for index in 0..zip.len() {
        let mut part = zip
            .by_index(index)
            .map_err(|e| format!("is not a readable XLSX workbook: {e}"))?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let lower = name.to_ascii_lowercase();
        // Images, macros and the like are never parsed (see `check_relationship`).
        let xml = lower.ends_with(".xml") || lower.ends_with(".rels");
        if part.is_dir() || !xml {
            continue;
        }
        let limit = if lower.starts_with("xl/worksheets/") {
            MAX_SHEET_BYTES
        } else {
            MAX_PART_BYTES
        };
        let mut scan = Scanner::new(&name, &lower);
        let mut size = 0u64;
        loop {
            let n = part
                .read(&mut buf)
                .map_err(|e| format!("is a damaged XLSX workbook (part {name}: {e})"))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > limit {
                return Err(format!(
                    "part {name} unpacks to more than {} MiB, the most StorePulse reads",
                    limit >> 20
                ));
            }
            if total > MAX_TOTAL_BYTES {
                return Err(format!(
                    "unpacks to more than {} MiB, the most StorePulse reads from one workbook",
                    MAX_TOTAL_BYTES >> 20
                ));
            }
            scan.feed(&buf[..n])?;
        }
        shared_strings += scan.shared_strings;
        if shared_strings > MAX_SHARED_STRINGS {
            return Err(format!(
                "has more than {} shared strings, the most StorePulse reads",
                thousands(MAX_SHARED_STRINGS)
            ));
        }
    }
    Ok(())
}

/// The ZIP directory's declared number of parts decides how much the ZIP reader allocates:
/// checked from the end-of-directory records themselves, before anything trusts them. Every
/// candidate record in the file's tail is checked (a reader may pick any of them).
fn check_directory(path: &Path) -> Result<(), String> {
    const TAIL: u64 = 22 + 65_535 + 20;
    let not_zip = || "is not a readable XLSX workbook (no ZIP directory)".to_string();
    let mut file = File::open(path).map_err(|e| format!("cannot be opened: {e}"))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(TAIL);
    let mut tail = Vec::new();
    file.seek(SeekFrom::Start(start))
        .and_then(|_| file.by_ref().take(TAIL).read_to_end(&mut tail))
        .map_err(|e| format!("cannot be read: {e}"))?;
    let too_many = || {
        format!(
            "is not a workbook StorePulse reads: its ZIP directory lists more than {} parts",
            thousands(MAX_PARTS)
        )
    };
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as u64;
    let mut found = false;
    for pos in (0..tail.len().saturating_sub(21)).filter(|&i| tail[i..].starts_with(b"PK\x05\x06"))
    {
        found = true;
        let entries = u16_at(&tail, pos + 10).max(u16_at(&tail, pos + 8));
        // A ZIP64 locator right before the record points at the record with the real count.
        let zip64 = pos >= 20 && tail[pos - 20..].starts_with(b"PK\x06\x07");
        if zip64 {
            let offset = u64::from_le_bytes(tail[pos - 12..pos - 4].try_into().unwrap_or_default());
            let mut record = [0u8; 40];
            file.seek(SeekFrom::Start(offset))
                .and_then(|_| file.read_exact(&mut record))
                .map_err(|_| not_zip())?;
            if !record.starts_with(b"PK\x06\x06") {
                return Err(not_zip());
            }
            let count =
                |i: usize| u64::from_le_bytes(record[i..i + 8].try_into().unwrap_or_default());
            if count(24).max(count(32)) > MAX_PARTS {
                return Err(too_many());
            }
        } else if entries > MAX_PARTS {
            return Err(too_many());
        }
    }
    if found {
        Ok(())
    } else {
        Err(not_zip())
    }
}

fn thousands(n: u64) -> String {
    app::components::format::group_thousands(&n.to_string())
}

/// Elements calamine keeps one of each in memory, and how many a part may have.
const COUNTED: [(&[u8], u64); 7] = [
    (b"xf", MAX_STYLES),
    (b"font", MAX_STYLES),
    (b"fill", MAX_STYLES),
    (b"border", MAX_STYLES),
    (b"numFmt", MAX_STYLES),
    (b"sheet", MAX_PARTS),
    (b"Relationship", MAX_PARTS),
];

#[derive(Clone, Copy, PartialEq)]
enum State {
    Text,
    /// Inside `<…>`; the quote that opened an attribute value, if in one.
    Tag(Option<u8>),
    Comment,
    CData,
    Instruction,
}

/// A constant-memory lexical scan of one part: the lengths quick-xml would buffer, the cell
/// references calamine would parse, and the shared strings it would keep.
struct Scanner<'a> {
    part: &'a str,
    /// A relationships part: it says which parts calamine parses.
    rels: bool,
    /// Relationships are counted outside the worksheets' (where each hyperlink has one).
    count_relationships: bool,
    styles: bool,
    /// Elements counted against `MAX_STYLES` / `MAX_PARTS`, in the order of `COUNTED`.
    counts: [u64; 7],
    state: State,
    /// Bytes of the current text run, comment, CDATA section or instruction.
    run: u64,
    /// The current tag (at most `MAX_TAG_BYTES`).
    tag: Vec<u8>,
    /// The last two bytes, to find where a comment, CDATA section or instruction ends.
    last: [u8; 2],
    /// The last cell reference seen, to say where a problem is.
    cell: String,
    shared_strings: u64,
}

impl<'a> Scanner<'a> {
    /// A scanner for the part `part` (`lower`: its name in lower case).
    fn new(part: &'a str, lower: &str) -> Self {
        Scanner {
            part,
            rels: lower.ends_with(".rels"),
            count_relationships: lower.ends_with(".rels") && !lower.starts_with("xl/worksheets/"),
            styles: lower.ends_with("styles.xml"),
            counts: [0; 7],
            state: State::Text,
            run: 0,
            tag: Vec::new(),
            last: [0; 2],
            cell: String::new(),
            shared_strings: 0,
        }
    }

    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        while let Some((&b, rest)) = bytes.split_first() {
            match self.state {
                State::Text => {
                    // The text up to the next tag, in one step.
                    let n = bytes.iter().position(|&c| c == b'<').unwrap_or(bytes.len());
                    self.run += n as u64;
                    if self.run > MAX_TEXT_BYTES {
                        return Err(self.too_long("a text", MAX_TEXT_BYTES));
                    }
                    bytes = &bytes[n..];
                    if !bytes.is_empty() {
                        bytes = &bytes[1..];
                        self.tag.clear();
                        self.tag.push(b'<');
                        self.state = State::Tag(None);
                    }
                    continue;
                }
                State::Tag(quote) => {
                    if self.tag.len() >= MAX_TAG_BYTES {
                        return Err(self.too_long("a tag", MAX_TAG_BYTES as u64));
                    }
                    self.tag.push(b);
                    match (quote, b) {
                        (Some(q), _) if q == b => self.state = State::Tag(None),
                        (Some(_), _) => {}
                        (None, b'"' | b'\'') => self.state = State::Tag(Some(b)),
                        (None, b'>') => {
                            self.end_tag()?;
                            self.state = State::Text;
                            self.run = 0;
                        }
                        (None, _) => {}
                    }
                    // `<![CDATA[` is the longest special opening.
                    if self.tag.len() <= 9 && self.state == State::Tag(None) {
                        self.special_markup()?;
                    }
                }
                State::Comment | State::CData | State::Instruction => {
                    self.run += 1;
                    if self.run > MAX_TEXT_BYTES {
                        return Err(self.too_long("a comment or CDATA section", MAX_TEXT_BYTES));
                    }
                    let end = b == b'>'
                        && match self.state {
                            State::Comment => self.last == *b"--",
                            State::CData => self.last == *b"]]",
                            _ => self.last[1] == b'?',
                        };
                    self.last = [self.last[1], b];
                    if end {
                        self.state = State::Text;
                        self.run = 0;
                    }
                }
            }
            bytes = rest;
        }
        Ok(())
    }

    /// Comments, CDATA sections and processing instructions end at their own markers, not at
    /// the first `>`; any other `<!…>` declaration is refused.
    fn special_markup(&mut self) -> Result<(), String> {
        let tag = self.tag.as_slice();
        let next = match tag {
            b"<!--" => State::Comment,
            b"<![CDATA[" => State::CData,
            b"<?" => State::Instruction,
            [b'<', b'!', ..] if !b"<!--".starts_with(tag) && !b"<![CDATA[".starts_with(tag) => {
                return Err(format!(
                    "part {} holds a document type declaration, which no spreadsheet writes",
                    self.part
                ));
            }
            _ => return Ok(()),
        };
        self.state = next;
        self.run = 0;
        self.last = [0; 2];
        Ok(())
    }

    fn too_long(&self, what: &str, limit: u64) -> String {
        let place = if self.cell.is_empty() {
            String::new()
        } else {
            format!(" after cell {}", self.cell)
        };
        format!(
            "part {} has {what} longer than {} KiB{place}: an Excel cell holds at most {} characters",
            self.part,
            limit >> 10,
            thousands(MAX_CELL_CHARS as u64)
        )
    }

    /// Checks a complete start tag: cell references and the shared-string count.
    fn end_tag(&mut self) -> Result<(), String> {
        let tag = std::mem::take(&mut self.tag);
        let inner = &tag[1..tag.len() - 1];
        if inner
            .first()
            .is_some_and(|&c| matches!(c, b'/' | b'?' | b'!'))
        {
            self.tag = tag;
            return Ok(());
        }
        let name_end = inner
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'/')
            .unwrap_or(inner.len());
        let name = &inner[..name_end];
        let local = name.rsplit(|&c| c == b':').next().unwrap_or(name);
        if local == b"si" {
            self.shared_strings += 1;
        }
        if let Some(i) = COUNTED.iter().position(|(name, _)| *name == local) {
            let (name, limit) = COUNTED[i];
            let counted = match name {
                b"Relationship" => self.count_relationships,
                b"sheet" => true,
                _ => self.styles,
            };
            self.counts[i] += counted as u64;
            if self.counts[i] > limit {
                return Err(format!(
                    "part {} has more than {} {} elements, the most StorePulse reads",
                    self.part,
                    thousands(limit),
                    String::from_utf8_lossy(name)
                ));
            }
        }
        if self.rels && local == b"Relationship" {
            self.check_relationship(&inner[name_end..])?;
        }
        for (attribute, value) in attributes(&inner[name_end..]) {
            match attribute {
                b"r" | b"ref" => {
                    let value = String::from_utf8_lossy(value);
                    check_reference(&value).map_err(|why| {
                        format!("part {}: cell reference '{}' {why}", self.part, cut(&value))
                    })?;
                    if local == b"c" {
                        self.cell = value.into_owned();
                    }
                }
                b"uniqueCount" if local == b"sst" => {
                    let count = std::str::from_utf8(value)
                        .ok()
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    if value.iter().any(u8::is_ascii_digit)
                        && count.is_none_or(|c| c > MAX_SHARED_STRINGS)
                    {
                        return Err(format!(
                            "declares {} shared strings; StorePulse reads at most {}",
                            cut(&String::from_utf8_lossy(value)),
                            thousands(MAX_SHARED_STRINGS)
                        ));
                    }
                }
                _ => {}
            }
        }
        self.tag = tag;
        Ok(())
    }
}

impl Scanner<'_> {
    /// The workbook and its sheets are parsed as XML: they must be `.xml` parts, which the scan
    /// covers (calamine finds them through these relationships).
    fn check_relationship(&self, attributes_text: &[u8]) -> Result<(), String> {
        let mut kind: &[u8] = b"";
        let mut target: &[u8] = b"";
        for (name, value) in attributes(attributes_text) {
            match name {
                b"Type" => kind = value,
                b"Target" => target = value,
                _ => {}
            }
        }
        let kind = kind.rsplit(|&c| c == b'/').next().unwrap_or(kind);
        let parsed = matches!(
            kind,
            b"officeDocument" | b"worksheet" | b"chartsheet" | b"dialogsheet"
        );
        if parsed && !target.to_ascii_lowercase().ends_with(b".xml") {
            return Err(format!(
                "part {}: the workbook or a sheet is '{}', which is not an .xml part",
                self.part,
                cut(&String::from_utf8_lossy(target))
            ));
        }
        // calamine reads the shared strings, styles and theme from the workbook's folder and
        // keeps them in memory: that folder must be `xl/`, whose parts have the small limit
        // (a workbook under `xl/worksheets/` would give them the sheets' 2 GiB).
        if kind == b"officeDocument" {
            let path = target
                .strip_prefix(b"/")
                .unwrap_or(target)
                .to_ascii_lowercase();
            let in_xl = path
                .strip_prefix(b"xl/")
                .is_some_and(|rest| !rest.contains(&b'/') && !rest.contains(&b'\\'));
            if !in_xl {
                return Err(format!(
                    "part {}: the workbook is '{}'; StorePulse reads workbooks stored as xl/<name>.xml",
                    self.part,
                    cut(&String::from_utf8_lossy(target))
                ));
            }
        }
        Ok(())
    }
}

/// At most 40 characters of a value, for messages.
fn cut(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_string(),
    }
}

/// The `name="value"` pairs of a tag's attribute text.
fn attributes(mut text: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    std::iter::from_fn(move || loop {
        let start = text.iter().position(|c| !c.is_ascii_whitespace())?;
        text = &text[start..];
        let eq = text.iter().position(|&c| c == b'=')?;
        let name = text[..eq].trim_ascii();
        let rest = text[eq + 1..].trim_ascii_start();
        let (&quote, rest) = rest.split_first()?;
        if quote != b'"' && quote != b'\'' {
            text = rest;
            continue;
        }
        let end = rest.iter().position(|&c| c == quote)?;
        let value = &rest[..end];
        text = &rest[end + 1..];
        return Some((name, value));
    })
}

/// A reference such as `B7` or `A1:XFD1048576` within Excel's sheet. Malformed references are
/// left to calamine, which reports them; this only keeps its arithmetic from overflowing.
pub fn check_reference(value: &str) -> Result<(), String> {
    // Each end's (column, row), where both are there.
    let mut ends: Vec<Option<(u32, u64)>> = Vec::with_capacity(2);
    for cell in value.split(':') {
        let letters = cell.bytes().take_while(u8::is_ascii_alphabetic).count();
        let column = cell[..letters].bytes().take(4).fold(0u32, |n, c| {
            n * 26 + (c.to_ascii_uppercase() - b'A') as u32 + 1
        });
        if letters > 3 || column > MAX_COLUMNS {
            return Err(format!(
                "is beyond Excel's last column XFD ({} columns)",
                thousands(MAX_COLUMNS as u64)
            ));
        }
        let digits = cell[letters..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let row: u64 = cell[letters..letters + digits.min(8)].parse().unwrap_or(0);
        if digits > 7 || row > MAX_ROWS as u64 {
            return Err(format!(
                "is beyond Excel's last row ({})",
                thousands(MAX_ROWS as u64)
            ));
        }
        let whole = letters > 0 && digits > 0 && letters + digits == cell.len();
        ends.push(whole.then_some((column, row)));
    }
    // calamine subtracts the start from the end of a range.
    if let [Some(start), Some(end)] = ends[..] {
        if end.0 < start.0 || end.1 < start.1 {
            return Err("is a range that ends before it starts".into());
        }
    }
    Ok(())
}

/// The column letters of a 0-based column index (0 → A, 16383 → XFD).
pub fn column_name(column: u32) -> String {
    let mut n = column as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> Result<u64, String> {
        let mut s = Scanner::new("xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml");
        // In small pieces, so that tags and markers straddle the chunks.
        for chunk in xml.as_bytes().chunks(3) {
            s.feed(chunk)?;
        }
        Ok(s.shared_strings)
    }

    #[test]
    fn a_zip_directory_listing_too_many_parts_is_refused_before_it_is_read() {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        // An end-of-directory record claiming 60,000 parts, and nothing else.
        let mut record = b"PK\x05\x06\0\0\0\0".to_vec();
        record.extend(60_000u16.to_le_bytes());
        record.extend(60_000u16.to_le_bytes());
        record.extend([0u8; 10]);
        file.write_all(&record).unwrap();
        let err = check(file.path()).unwrap_err();
        assert!(
            err.contains("its ZIP directory lists more than 10,000 parts"),
            "{err}"
        );
        std::fs::write(file.path(), b"PK\x03\x04 not a zip").unwrap();
        assert!(check(file.path()).unwrap_err().contains("no ZIP directory"));
    }

    #[test]
    fn references_within_excel_pass_and_beyond_it_fail() {
        assert!(check_reference("A1").is_ok());
        assert!(check_reference("XFD1048576").is_ok());
        assert!(check_reference("A1:C9").is_ok());
        assert!(check_reference("XFE1")
            .unwrap_err()
            .contains("last column XFD"));
        assert!(check_reference("FXSHRXW1").unwrap_err().contains("XFD"));
        assert!(check_reference("A1048577")
            .unwrap_err()
            .contains("last row"));
        assert!(check_reference("A99999999999999999999").is_err());
        assert!(check_reference("B2:A1")
            .unwrap_err()
            .contains("ends before it starts"));
        assert!(check_reference("A2:B1").is_err());
        assert!(
            check_reference("B1:A:C").is_ok(),
            "malformed: left to calamine"
        );
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

    #[test]
    fn the_scan_measures_texts_and_tags_and_checks_references() {
        let ok = r#"<?xml version="1.0"?><!-- a > b --><sst uniqueCount="2"><si><t>a&amp;b</t></si><si><t><![CDATA[x>y]]></t></si></sst>"#;
        assert_eq!(scan(ok), Ok(2));
        let far = r#"<sheetData><row r="1"><c r="FXSHRXW1"><v>1</v></c></row></sheetData>"#;
        let err = scan(far).unwrap_err();
        assert!(
            err.contains("cell reference 'FXSHRXW1' is beyond Excel's last column XFD"),
            "{err}"
        );
        let huge = format!(
            r#"<c r="B2" t="inlineStr"><is><t>{}</t></is></c>"#,
            "x".repeat(300 << 10)
        );
        let err = scan(&huge).unwrap_err();
        assert!(
            err.contains("a text longer than 256 KiB after cell B2"),
            "{err}"
        );
        let tag = format!(r#"<c r="B2" s="{}">"#, "> ".repeat(40 << 10));
        assert!(scan(&tag).unwrap_err().contains("a tag longer than 64 KiB"));
        let comment = format!("<!--{}-->", "<a>".repeat(100 << 10));
        assert!(scan(&comment).unwrap_err().contains("comment or CDATA"));
        assert!(scan("<!DOCTYPE x [<!ENTITY a 'b'>]>")
            .unwrap_err()
            .contains("document type"));
        assert!(scan(r#"<sst uniqueCount="99999999999999999999">"#)
            .unwrap_err()
            .contains("declares 99999999999999999999 shared strings"));
        let mut rels = Scanner::new("xl/_rels/workbook.xml.rels", "xl/_rels/workbook.xml.rels");
        let sheet = r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="#;
        assert!(rels
            .feed(format!(r#"{sheet}"worksheets/sheet1.xml"/>"#).as_bytes())
            .is_ok());
        let err = rels
            .feed(format!(r#"{sheet}"media/image1.png"/>"#).as_bytes())
            .unwrap_err();
        assert!(
            err.contains("a sheet is 'media/image1.png', which is not an .xml part"),
            "{err}"
        );
        // The workbook must sit in xl/: calamine reads shared strings and styles beside it.
        let mut root = Scanner::new("_rels/.rels", "_rels/.rels");
        let doc = r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="#;
        assert!(root
            .feed(format!(r#"{doc}"xl/workbook.xml"/>"#).as_bytes())
            .is_ok());
        assert!(root
            .feed(format!(r#"{doc}"/xl/workbook.xml"/>"#).as_bytes())
            .is_ok());
        let err = root
            .feed(format!(r#"{doc}"xl/worksheets/wb.xml"/>"#).as_bytes())
            .unwrap_err();
        assert!(
            err.contains("reads workbooks stored as xl/<name>.xml"),
            "{err}"
        );
        let image = r#"<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>"#;
        assert!(rels.feed(image.as_bytes()).is_ok());
        // Elements calamine keeps: bounded in the parts it reads, free elsewhere.
        let mut styles = Scanner::new("xl/styles.xml", "xl/styles.xml");
        let xfs = "<xf/>".repeat(64_000);
        assert!(styles.feed(xfs.as_bytes()).is_ok());
        let err = styles.feed(b"<xf/>").unwrap_err();
        assert!(
            err.contains("part xl/styles.xml has more than 64,000 xf elements"),
            "{err}"
        );
        let mut links = Scanner::new(
            "xl/worksheets/_rels/sheet1.xml.rels",
            "xl/worksheets/_rels/sheet1.xml.rels",
        );
        let link = r#"<Relationship Id="x" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com" TargetMode="External"/>"#;
        for _ in 0..10_001 {
            links.feed(link.as_bytes()).unwrap();
        }
        let mut rels = Scanner::new("xl/_rels/workbook.xml.rels", "xl/_rels/workbook.xml.rels");
        let many = (0..10_001).map(|_| link).collect::<String>();
        assert!(rels
            .feed(many.as_bytes())
            .unwrap_err()
            .contains("more than 10,000 Relationship elements"));
    }
}
