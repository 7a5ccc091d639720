//! Hostile and odd input never crashes or exhausts the server and never slips in: XLSX bounds
//! (far columns, huge cells, shared strings, part sizes), strict numbers, sane value ranges,
//! presets that a stray row cannot break, CSV quoting, and fuzzing of the readers and parsers.
//! `make fuzz` runs the fuzz tests with many more cases.
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use app::dashboard::filter::{DashboardFilter, Preset};
use app::features::inventory::refresh::SignalRefresh;
use chrono::NaiveDate;
use formats::{detect, DateOrder, FileKind, FormatChoice, RowParser, ValueLimits};
use proptest::prelude::*;
use server::ingest::file::{read_rows, Event, Progress};
use server::ingest::run::{self, InputFile, Job, RunSummary, Store};
use sqlx::PgPool;
use zip::write::SimpleFileOptions;

/// Records the largest single allocation, and refuses any over 1 GiB (the test process then
/// aborts, failing the run, instead of taking the machine's memory).
struct Watch;
static LARGEST: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() > 1 << 30 {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        if new_size > 1 << 30 {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
#[global_allocator]
static WATCH: Watch = Watch;

/// No test here may allocate more than this in one piece (the 1 MiB row limit, 64 KiB buffers
/// and the test's own data are far below).
const MAX_ALLOCATION: usize = 16 << 20;

fn assert_small_allocations() {
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(largest < MAX_ALLOCATION, "an allocation of {largest} bytes");
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
const SHEET_TAIL: &str = "</worksheet>";

/// A minimal workbook, written by hand so that it can hold what no spreadsheet writes: the
/// worksheet's XML comes from `sheet` (streamed, so that a huge cell costs no memory here),
/// `shared` is the shared-strings part if any. Big parts are stored uncompressed (fast).
fn workbook(
    shared: Option<&str>,
    stored: bool,
    sheet: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> tempfile::NamedTempFile {
    workbook_with_filler(shared, stored, None, sheet)
}

/// As `workbook`, with a part `filler.0` of `filler.1` MiB: markup for an `.xml` part, else
/// bytes 0xFF (as in an uncompressed image).
fn workbook_with_filler(
    shared: Option<&str>,
    stored: bool,
    filler: Option<(&str, usize)>,
    sheet: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    let mut zip = zip::ZipWriter::new(file.reopen().unwrap());
    let options = SimpleFileOptions::default().compression_method(if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    });
    let shared_type = r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#;
    let parts = [
        ("[Content_Types].xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{}</Types>"#, if shared.is_some() { shared_type } else { "" })),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{}</Relationships>"#, if shared.is_some() { r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"# } else { "" })),
    ];
    for (name, body) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    if let Some(shared) = shared {
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(shared.as_bytes()).unwrap();
    }
    if let Some((name, mib)) = filler {
        zip.start_file(name, options).unwrap();
        let chunk = if name.ends_with(".xml") {
            "<a/>".repeat(1 << 18).into_bytes()
        } else {
            vec![0xFF; 1 << 20]
        };
        for _ in 0..mib {
            zip.write_all(&chunk).unwrap();
        }
    }
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    zip.write_all(SHEET_HEAD.as_bytes()).unwrap();
    sheet(&mut zip).unwrap();
    zip.write_all(SHEET_TAIL.as_bytes()).unwrap();
    zip.finish().unwrap();
    file
}

/// A sheet of rows given as XML.
fn sheet_xlsx(rows: &str) -> tempfile::NamedTempFile {
    worksheet_xlsx(&format!("<sheetData>{rows}</sheetData>"))
}

/// A sheet whose whole content (inside `<worksheet>`) is given as XML.
fn worksheet_xlsx(content: &str) -> tempfile::NamedTempFile {
    let content = content.to_string();
    workbook(None, false, move |w| w.write_all(content.as_bytes()))
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The rows a file yields, or the reader's message.
fn read(path: &std::path::Path) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    read_rows(path, "hostile.xlsx", &Progress::default(), |event| {
        match event {
            Event::Header(h) => rows.push(h),
            Event::Row { fields, .. } => rows.push(fields),
        }
        Ok(ControlFlow::Continue(()))
    })
    .map_err(|e| e.to_string())?;
    Ok(rows)
}

fn read_bytes(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    read(file.path())
}

/// Reads `path` within `seconds` and returns the message it was rejected with.
/// The workbook is refused, and no allocation on the way was large (the memory bound, which a
/// wall-clock limit on a loaded machine would only approximate).
fn rejected_bounded(path: &std::path::Path) -> String {
    let err = read(path).expect_err("the workbook must be rejected");
    assert_small_allocations();
    err
}

#[test]
fn a_cell_at_column_fxshrxw_is_rejected_without_a_giant_allocation() {
    let file = sheet_xlsx(&format!(
        r#"<row r="1">{}</row><row r="2"><c r="FXSHRXW2"><v>1</v></c></row>"#,
        inline("A1", "InvoiceNo")
    ));
    let size = std::fs::metadata(file.path()).unwrap().len();
    assert!(size < 4096, "a tiny file: {size} bytes");
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("hostile.xlsx: part xl/worksheets/sheet1.xml: cell reference 'FXSHRXW2' is beyond Excel's last column XFD (16,384 columns)"),
        "{err}"
    );
    for far in ["ZZZZZ1", "XFE1", "A1048577", "A99999999999999999999"] {
        let file = sheet_xlsx(&format!(r#"<row r="1"><c r="{far}"><v>1</v></c></row>"#));
        let err = rejected_bounded(file.path());
        assert!(
            err.contains(&format!("cell reference '{far}' is beyond Excel's last")),
            "{err}"
        );
    }
    // calamine subtracts a range's start from its end (an overflow panic in debug builds).
    let file = worksheet_xlsx(r#"<dimension ref="C3:A1"/><sheetData/>"#);
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("cell reference 'C3:A1' is a range that ends before it starts"),
        "{err}"
    );
    // Cells without references are counted on by calamine: bounded all the same.
    let wide: String = (0..16_385).map(|_| "<c><v>1</v></c>").collect();
    let file = sheet_xlsx(&format!("<row>{wide}</row>"));
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("cell XFE1 is beyond Excel's last column XFD"),
        "{err}"
    );
}

#[test]
fn a_64_mib_cell_is_rejected_before_it_is_read() {
    let file = workbook(None, true, |w| {
        w.write_all(
            format!(
                r#"<sheetData><row r="1">{}</row><row r="2"><c r="B2" t="inlineStr"><is><t>"#,
                inline("A1", "x")
            )
            .as_bytes(),
        )?;
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..65 {
            w.write_all(&chunk)?;
        }
        w.write_all(b"</t></is></c></row></sheetData>")
    });
    assert!(std::fs::metadata(file.path()).unwrap().len() > 64 << 20);
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("part xl/worksheets/sheet1.xml has a text longer than 256 KiB after cell B2: an Excel cell holds at most 32,767 characters"),
        "{err}"
    );
}

#[test]
fn cells_rows_and_shared_strings_beyond_excel_are_rejected_by_name() {
    // Under the scan's byte limit, over Excel's characters.
    let long = "é".repeat(40_000);
    let file = sheet_xlsx(&format!(
        r#"<row r="1">{}</row><row r="7">{}</row>"#,
        inline("A1", "a"),
        inline("C7", &long)
    ));
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("sheet 'Sheet1': cell C7 holds 40000 characters; Excel allows at most 32767"),
        "{err}"
    );

    // A declared count calamine would reserve memory for.
    let shared = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="4000000000000"><si><t>a</t></si></sst>"#;
    let file = workbook(Some(shared), false, |w| {
        w.write_all(br#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#)
    });
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("declares 4000000000000 shared strings; StorePulse reads at most 1,000,000"),
        "{err}"
    );

    // A row of 40 cells of 30,000 characters: each fine, the row over 1 MiB.
    let cells: String = (0..40)
        .map(|i| {
            inline(
                &format!("{}1", server::ingest::xlsx::column_name(i)),
                &"y".repeat(30_000),
            )
        })
        .collect();
    let file = sheet_xlsx(&format!(r#"<row r="1">{cells}</row>"#));
    let err = rejected_bounded(file.path());
    assert!(err.contains("row 1 is longer than 1 MiB"), "{err}");

    // A part that unpacks past its limit.
    let file = workbook_with_filler(None, true, Some(("xl/styles.xml", 65)), |_| Ok(()));
    let err = rejected_bounded(file.path());
    assert!(
        err.contains("part xl/styles.xml unpacks to more than 64 MiB"),
        "{err}"
    );
}

#[test]
fn a_workbook_within_the_limits_still_reads() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["InvoiceNo", "StockCode", "Quantity"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "536365").unwrap();
    sheet.write_string(1, 1, "z".repeat(32_767)).unwrap();
    sheet.write_number(1, 2, 6.0).unwrap();
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    book.save(file.path()).unwrap();
    let rows = read(file.path()).unwrap();
    assert_eq!(rows[1][0], "536365");
    assert_eq!(rows[1][1].len(), 32_767);
    assert_eq!(rows[1][2], "6");
    // Parts calamine never parses (images, macros) are skipped, whatever their bytes.
    let rows_xml = format!(
        r#"<sheetData><row r="1">{}</row></sheetData>"#,
        inline("A1", "InvoiceNo")
    );
    let file = workbook_with_filler(None, false, Some(("xl/media/image1.bmp", 3)), |w| {
        w.write_all(rows_xml.as_bytes())
    });
    assert_eq!(
        read(file.path()).unwrap(),
        vec![vec!["InvoiceNo".to_string()]]
    );
    assert_small_allocations();
}

#[test]
fn an_unclosed_quote_is_an_error_naming_its_line() {
    let err = read_bytes(b"a,b\n1,2\n\"").unwrap_err();
    assert!(
        err.contains("line 3: a quoted field opens with \" and is never closed"),
        "{err}"
    );
    let err = read_bytes(b"a,b\n1,\"abc\n2,3\n").unwrap_err();
    assert!(err.contains("line 2: a quoted field opens"), "{err}");
    // Quotes inside an unquoted field and doubled quotes are fine.
    let rows = read_bytes(b"a,b\n12\" pipe,\"say \"\"hi\"\"\"\n").unwrap();
    assert_eq!(
        rows[1],
        vec!["12\" pipe".to_string(), "say \"hi\"".to_string()]
    );
    // A quoted field may span lines, but not past the 1 MiB row limit.
    let mut long = b"a,b\n1,\"".to_vec();
    long.extend("x\n".repeat(600_000).as_bytes());
    long.extend(b"\"\n");
    let err = read_bytes(&long).unwrap_err();
    assert!(err.contains("line 2 is longer than 1 MiB"), "{err}");
    for odd in [
        &b"\""[..],
        b",",
        b"\r",
        b"\"\"",
        b"a\n\"",
        b"\xef\xbb\xbf",
        b"a,b\n\r\n\r\n",
    ] {
        // Each gives rows or a message, never a panic.
        let _ = read_bytes(odd);
    }
}

const RETAIL_HEADER: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

fn retail_parser() -> RowParser {
    let header: Vec<String> = RETAIL_HEADER.split(',').map(String::from).collect();
    let layout = detect(&header, FormatChoice::Auto).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    RowParser::new(layout, DateOrder::MonthFirst, ValueLimits::default(), today)
}

fn retail_row(quantity: &str, date: &str, price: &str) -> Vec<String> {
    [
        "536365", "85123A", "HEART", quantity, date, price, "17850", "UK",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn numbers_are_strict_and_values_within_range() {
    let parser = retail_parser();
    let reason = |q: &str, d: &str, p: &str| {
        let r = parser.parse(9, &retail_row(q, d, p)).unwrap_err();
        assert_eq!(r.line, 9);
        format!("{}: {}", r.column.unwrap(), r.reason)
    };
    let date = "12/1/2010 8:26";
    for bad in [
        "1_000",
        "+5",
        "3.",
        ".5",
        "NaN",
        "inf",
        "-Infinity",
        "1e3",
        "0x10",
        "1,000",
        " 5 5",
    ] {
        let why = reason(bad, date, "1");
        assert!(why.starts_with("Quantity: Quantity"), "{bad}: {why}");
        assert!(
            why.contains("not a number") || why.contains("whole"),
            "{bad}: {why}"
        );
    }
    for bad in [
        "1_000",
        "+5",
        "3.",
        "NaN",
        "inf",
        "-Infinity",
        "1e-400",
        "1e400",
        "1,234.50",
        "£2",
    ] {
        let why = reason("1", date, bad);
        assert!(why.starts_with("UnitPrice: UnitPrice"), "{bad}: {why}");
    }
    assert_eq!(
        reason("1", date, "99999999999999999999.99"),
        "UnitPrice: UnitPrice '99999999999999999999.99' is outside the allowed range ±1,000,000,000 (setting STOREPULSE_MAX_UNIT_PRICE)"
    );
    assert!(reason("10000001", date, "1").contains("outside the allowed range ±10,000,000"));
    assert!(reason("-10000001", date, "1").contains("outside the allowed range"));
    for far in ["12/31/9999 23:59", "1/1/0001", "12/31/1989", "2027-12-02"] {
        let why = reason("1", far, "1");
        assert!(
            why.contains("is outside the accepted dates 1990-01-01 to 2027-12-01"),
            "{far}: {why}"
        );
    }
    // What real exports write still parses.
    let ok = |q: &str, d: &str, p: &str| parser.parse(2, &retail_row(q, d, p)).unwrap();
    assert_eq!(ok("6.0", "1990-01-01", "2.55")[4], "6");
    assert_eq!(
        ok("-10000000", "2027-12-01 10:00", "-1000000000")[6],
        "-1000000000"
    );
    assert_eq!(
        ok("1", date, "1.5E-05")[6].parse::<rust_decimal::Decimal>(),
        Ok(rust_decimal_macros::dec!(0.000015))
    );
    assert_eq!(ok("0", date, "0.00")[6], "0.00");
}

async fn load(pool: &PgPool, name: &str, bytes: &[u8]) -> RunSummary {
    server::db::migrate(pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (source_id, settings) = server::ingest::source::file_source(pool, "Test", |_| {})
        .await
        .unwrap();
    let job = Job {
        source_id,
        settings,
        store: Store {
            currency: "GBP".into(),
            timezone: "Europe/London".into(),
            limits: ValueLimits::default(),
        },
        format: FormatChoice::Auto,
        started_by: None,
        signals: SignalRefresh::new(pool.clone(), Default::default()),
        sync: None,
    };
    let input = InputFile {
        path,
        name: name.into(),
    };
    run::ingest(pool, &job, &[input], Arc::default())
        .await
        .unwrap()
}

async fn orders(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from sales_order")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_hostile_workbook_fails_its_run_and_loads_nothing(pool: PgPool) {
    let file = sheet_xlsx(&format!(
        r#"<row r="1">{}{}</row><row r="2"><c r="FXSHRXW2"><v>1</v></c></row>"#,
        inline("A1", "InvoiceNo"),
        inline("B1", "StockCode")
    ));
    let summary = load(&pool, "orders.xlsx", &std::fs::read(file.path()).unwrap()).await;
    assert!(!summary.succeeded);
    let error = summary.error.unwrap();
    assert!(
        error.contains("orders.xlsx: part xl/worksheets/sheet1.xml: cell reference 'FXSHRXW2'"),
        "{error}"
    );
    assert_eq!(orders(&pool).await, 0);
    assert_small_allocations();
}

#[sqlx::test(migrations = false)]
async fn out_of_range_rows_are_rejected_with_line_and_column(pool: PgPool) {
    let csv = format!(
        "{RETAIL_HEADER}\n\
         1,A,x,1,2025-03-01 10:00,2.50,17850,UK\n\
         2,A,x,1,9999-12-31 10:00,2.50,17850,UK\n\
         3,A,x,1,2025-03-01 10:00,99999999999999999999.99,17850,UK\n\
         4,A,x,1_000,2025-03-01 10:00,2.50,17850,UK\n"
    );
    let summary = load(&pool, "orders.csv", csv.as_bytes()).await;
    assert!(!summary.succeeded);
    let rejected: Vec<(u64, Option<String>)> = summary
        .rejections
        .iter()
        .map(|r| (r.line, r.column.clone()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (3, Some("InvoiceDate".to_string())),
            (4, Some("UnitPrice".to_string())),
            (5, Some("Quantity".to_string()))
        ]
    );
    assert_eq!(orders(&pool).await, 0);
}

#[sqlx::test(migrations = false)]
async fn a_stray_row_in_the_database_cannot_break_the_presets(pool: PgPool) {
    let csv = format!(
        "{RETAIL_HEADER}\n1,A,x,1,2025-03-01 10:00,2.50,17850,UK\n2,A,x,1,2025-06-30 10:00,2.50,17850,UK\n"
    );
    let summary = load(&pool, "orders.csv", csv.as_bytes()).await;
    assert!(summary.succeeded, "{summary}");
    // Rows from before the limits existed, straight into the table.
    sqlx::query(
        "insert into sales_order (source_id, external_id, ordered_at)
         select source_id, x.id, x.at::timestamptz from source,
                (values ('far', '9999-12-31 10:00+00'), ('old', '0001-01-01 10:00+00')) as x(id, at)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let limits = ValueLimits::default();
    let resolve = |preset: Option<Preset>| {
        let filter = DashboardFilter {
            preset,
            ..Default::default()
        };
        let pool = pool.clone();
        async move {
            app::dashboard::range::resolve(&pool, &filter, &limits)
                .await
                .map(|(range, _)| (range.from.to_string(), range.to.to_string()))
                .map_err(|e| e.to_string())
        }
    };
    assert_eq!(
        resolve(Some(Preset::AllTime)).await,
        Ok(("2025-03-01".into(), "2025-06-30".into()))
    );
    assert_eq!(
        resolve(None).await,
        Ok(("2025-04-02".into(), "2025-06-30".into())),
        "the default view: 90 days up to the latest real order"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn fuzz_row_parsers_never_panic(
        kind in 0usize..6,
        fields in proptest::collection::vec(".{0,40}|[-+0-9.eE_,]{0,30}|[0-9/: -]{0,25}", 0..12),
    ) {
        let header: &[&str] = match kind {
            0 => &["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"],
            1 => &["transaction_id", "customer_id", "product_id", "quantity", "price", "timestamp", "order_id", "channel", "status"],
            2 => &["customer_id", "name", "email", "location"],
            3 => &["product_id", "name", "category", "price", "cost", "stock", "lead_time_days"],
            4 => &["sku", "name", "category", "price", "cost", "on_hand", "lead_time_days", "as_of"],
            _ => &["sku", "competitor", "price", "shipping", "in_stock", "observed_at"],
        };
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let layout = detect(&header, FormatChoice::Auto).unwrap();
        let kind: FileKind = layout.kind;
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut parser = RowParser::new(layout, DateOrder::Auto, ValueLimits::default(), today);
        parser.settle_date_order(std::slice::from_ref(&fields));
        if let Ok(record) = parser.parse(2, &fields) {
            prop_assert_eq!(record.len(), kind.staging_columns().len() + 1);
        }
        let _ = parser.order_key(&fields);
    }

    #[test]
    fn fuzz_csv_reader_never_panics(bytes in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b','), Just(b'\n'), Just(b'\r'), any::<u8>()], 0..400)) {
        let _ = read_bytes(&bytes);
        prop_assert!(LARGEST.load(Ordering::Relaxed) < MAX_ALLOCATION);
    }

    #[test]
    fn fuzz_xlsx_reader_never_panics(
        cells in proptest::collection::vec(("[A-Z]{0,8}[0-9]{0,12}", ".{0,20}", 0u8..5), 0..8),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut dimension = String::new();
        let rows: String = cells
            .iter()
            .map(|(r, text, kind)| {
                let text = text.replace(['<', '&'], "");
                match kind {
                    0 => format!(r#"<row><c r="{r}"><v>{text}</v></c></row>"#),
                    1 => format!(r#"<row r="{}">{}</row>"#, r.trim_start_matches(|c: char| c.is_ascii_uppercase()), inline(r, &text)),
                    2 => format!(r#"<row><c r="{r}" s="1" t="d"><v>{text}</v></c></row>"#),
                    3 => {
                        dimension = format!(r#"<dimension ref="A1:{r}"/>"#);
                        String::new()
                    }
                    _ => {
                        dimension = format!(r#"<dimension ref="{r}:C3"/>"#);
                        String::new()
                    }
                }
            })
            .collect();
        let file = worksheet_xlsx(&format!("{dimension}<sheetData>{rows}</sheetData>"));
        let _ = read(file.path());
        // The same workbook with bytes changed here and there (mostly a damaged ZIP).
        let mut bytes = std::fs::read(file.path()).unwrap();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        let _ = read_bytes(&bytes);
        prop_assert!(LARGEST.load(Ordering::Relaxed) < MAX_ALLOCATION);
    }
}
