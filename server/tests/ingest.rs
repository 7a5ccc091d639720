//! Ingestion on hand-worked files: every format, overlap and idempotency, broken input (each
//! with its own message, nothing loaded), the real Online Retail file, and a killed process.
use std::io::Write;
use std::sync::Arc;

use app::features::inventory::refresh::SignalRefresh;
use app::features::sources::types::SourceSettings;
use formats::FormatChoice;
use server::ingest::run::{self, InputFile, Job, RunSummary, Store};
use sqlx::PgPool;

struct Loaded {
    summary: RunSummary,
    _dir: tempfile::TempDir,
}

async fn load_with(
    pool: &PgPool,
    files: &[(&str, &[u8])],
    change: impl FnOnce(&mut SourceSettings),
) -> Loaded {
    load_into(pool, "Test", files, change).await
}

/// Loads `files` into the file source `source` (made on first use).
async fn load_into(
    pool: &PgPool,
    source: &str,
    files: &[(&str, &[u8])],
    change: impl FnOnce(&mut SourceSettings),
) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<InputFile> = files
        .iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            InputFile {
                path,
                name: name.to_string(),
            }
        })
        .collect();
    let (source_id, settings) = server::ingest::source::file_source(pool, source, change)
        .await
        .unwrap();
    let job = Job {
        source_id,
        settings,
        store: Store {
            currency: "GBP".into(),
            timezone: "Europe/London".into(),
            limits: Default::default(),
        },
        format: FormatChoice::Auto,
        started_by: None,
        signals: SignalRefresh::new(pool.clone(), Default::default()),
        sync: None,
    };
    let summary = run::ingest(pool, &job, &inputs, Arc::default())
        .await
        .unwrap();
    Loaded { summary, _dir: dir }
}

async fn load(pool: &PgPool, files: &[(&str, &[u8])]) -> RunSummary {
    load_with(pool, files, |_| {}).await.summary
}

async fn migrated(pool: &PgPool) {
    server::db::migrate(pool).await.unwrap();
}

/// Gross revenue, returns, adjustments, units, orders (from the rollup) and customers.
async fn figures(pool: &PgPool) -> (String, String, String, i64, i64, i64) {
    let (gross, returns, adjustments, units, orders): (String, String, String, i64, i64) = sqlx::query_as(
        "select coalesce(sum(gross_revenue), 0)::text, coalesce(sum(returns_value), 0)::text,
                coalesce(sum(adjustments_value), 0)::text, coalesce(sum(units), 0)::bigint, coalesce(sum(orders), 0)::bigint
         from daily_sales",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let customers: i64 =
        sqlx::query_scalar("select count(distinct customer_id) from line_fact where line_kind = 'sale' and customer_id is not null")
            .fetch_one(pool)
            .await
            .unwrap();
    (gross, returns, adjustments, units, orders, customers)
}

/// Everything a load could change.
async fn fingerprint(pool: &PgPool) -> Vec<i64> {
    let row: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from sales_order), (select count(*) from order_line), (select count(*) from product),
                (select count(*) from customer), (select count(*) from daily_sales), (select count(*) from competitor_price),
                (select count(*) from inventory_snapshot)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    vec![row.0, row.1, row.2, row.3, row.4, row.5, row.6]
}

const RETAIL: &[u8] =
    b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,\"METAL LANTERN, WHITE\",6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,\"HAND WARMER
UNION JACK\",6,12/1/2010 8:28,1.85,,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527,United Kingdom
536380,22961,JAM MAKING SET PRINTED,2,12/2/2010 10:00,1.45,14527,United Kingdom
A563185,B,Adjust bad debt,1,12/2/2010 14:50,11062.06,,United Kingdom
A563186,B,Adjust bad debt,1,12/2/2010 14:51,-11062.06,,United Kingdom
536381,POST,POSTAGE,1,12/2/2010 15:00,18.00,12583,France
536382,21730,CAF\xc9 LIGHT,0,12/2/2010 16:00,4.25,12583,France
536383,M,Manual,1,12/2/2010 17:00,-5.00,,United Kingdom
";

#[sqlx::test(migrations = false)]
async fn a_transaction_log_follows_the_definitions(pool: PgPool) {
    migrated(&pool).await;
    let s = load(&pool, &[("retail.csv", RETAIL)]).await;
    assert!(s.succeeded, "{s}");
    assert_eq!(
        (s.rows_read, s.inserted, s.updated, s.rejected),
        (10, 10, 0, 0)
    );
    // gross: 15.30 + 20.34 + 11.10 (1 Dec) + 2.90 + 18.00 (2 Dec); returns: the C invoice's 27.50;
    // adjustments: the A invoices cancel out (+11062.06 − 11062.06) and a −5.00 manual line;
    // units 6+6+6+2+1; orders 536365, 536366, 536380, 536381; customers 17850, 14527, 12583.
    assert_eq!(
        figures(&pool).await,
        ("67.64".into(), "27.50".into(), "-5.00".into(), 21, 4, 3)
    );
    let guest: String =
        sqlx::query_scalar("select sum(unidentified_revenue)::text from daily_sales")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(guest, "11.10");
    let (name, merch): (String, bool) =
        sqlx::query_as("select name, is_merchandise from product where sku = '21730'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name, "CAFÉ LIGHT", "ISO-8859-1 text is decoded");
    assert!(merch);
    let postage: bool = sqlx::query_scalar("select is_merchandise from product where sku = 'POST'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!postage, "postage is not merchandise");
    let description: String = sqlx::query_scalar("select name from product where sku = '22633'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        description, "HAND WARMER\nUNION JACK",
        "a quoted field may span lines"
    );
    let statuses: Vec<(String, String)> =
        sqlx::query_as("select external_id, status from sales_order where external_id in ('C536379', 'A563185') order by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        statuses,
        vec![
            ("A563185".into(), "adjustment".into()),
            ("C536379".into(), "cancelled".into())
        ]
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("1 fields were not UTF-8")),
        "{:?}",
        s.notes
    );
    assert!(
        s.notes.iter().any(|n| n.contains("month-first")),
        "{:?}",
        s.notes
    );
}

/// The definitions of `order_line`'s keys and indexes, and the object ids of the indexes (new
/// ones when they were built again).
async fn line_keys(pool: &PgPool) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "select i.relname::text, pg_get_indexdef(i.oid), i.oid::bigint from pg_index x join pg_class i on i.oid = x.indexrelid
         where x.indrelid = 'order_line'::regclass order by 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_first_load_builds_the_line_keys_after_its_lines_and_two_at_once_both_land(pool: PgPool) {
    migrated(&pool).await;
    let keys = line_keys(&pool).await;
    assert_eq!(keys.len(), 3, "{keys:?}");
    // Two sources' first loads at the same time: the second waits for the first's lines, finds
    // them, and merges as usual; neither fails on the other's lock.
    let second =
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
900001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,12/3/2010 9:00,2.55,17850,United Kingdom
900001,22961,JAM MAKING SET PRINTED,1,12/3/2010 9:00,1.45,17850,United Kingdom
";
    let first: &[(&str, &[u8])] = &[("retail.csv", RETAIL)];
    let other: &[(&str, &[u8])] = &[("other.csv", second)];
    let (a, b) = tokio::join!(load(&pool, first), load_into(&pool, "Other", other, |_| {}));
    assert!(a.succeeded && b.summary.succeeded, "{a} / {}", b.summary);
    assert_eq!((a.inserted, b.summary.inserted), (10, 2));
    let built = line_keys(&pool).await;
    let defined = |keys: &[(String, String, i64)]| -> Vec<(String, String)> {
        keys.iter()
            .map(|(n, d, _)| (n.clone(), d.clone()))
            .collect()
    };
    assert_eq!(
        defined(&built),
        defined(&keys),
        "the same keys and indexes, by name and definition"
    );
    assert!(
        built.iter().zip(&keys).all(|(b, k)| b.2 != k.2),
        "built again after the lines, not kept: {keys:?} → {built:?}"
    );
    let lines: i64 = sqlx::query_scalar("select count(*) from order_line")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(lines, 12);
    // The keys hold: a line number taken twice in one order is refused.
    let twice = sqlx::query(
        "insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
         select sales_order_id, line_no, product_id, 1, 1 from order_line limit 1",
    )
    .execute(&pool)
    .await;
    assert!(twice.is_err(), "the (order, line) key is back");
    // gross of both: RETAIL's 67.64 + 5.10 + 1.45
    assert_eq!(figures(&pool).await.0, "74.19");
    // Later loads merge into the table as it is.
    let again = load(&pool, first).await;
    assert!(again.succeeded && again.inserted == 0, "{again}");
    assert_eq!(line_keys(&pool).await, built);
}

#[sqlx::test(migrations = false)]
async fn the_same_file_twice_changes_nothing_and_an_overlap_updates_what_changed(pool: PgPool) {
    migrated(&pool).await;
    load(&pool, &[("retail.csv", RETAIL)]).await;
    let version = || async {
        sqlx::query_scalar::<_, i64>("select data_version from rollup_state")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = (fingerprint(&pool).await, figures(&pool).await);
    let again = load(&pool, &[("retail.csv", RETAIL)]).await;
    assert!(again.succeeded);
    assert_eq!((again.inserted, again.updated), (0, 0));
    assert_eq!((fingerprint(&pool).await, figures(&pool).await), before);

    let v = version().await;
    let overlap =
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536380,22961,JAM MAKING SET PRINTED,3,12/2/2010 10:00,1.45,14527,United Kingdom
536390,22961,JAM MAKING SET PRINTED,1,12/3/2010 10:00,1.45,14527,United Kingdom
";
    let s = load(&pool, &[("overlap.csv", overlap)]).await;
    assert!(s.succeeded, "{s}");
    // 536390 is new; 536380's quantity changed; 536365 now has one line, so its lantern goes.
    assert_eq!((s.inserted, s.updated), (1, 2));
    assert!(version().await > v, "the data version bumps");
    // gross: 15.30 + 11.10 (1 Dec) + 3 × 1.45 + 18.00 (2 Dec) + 1.45 (3 Dec)
    assert_eq!(figures(&pool).await.0, "50.20");
}

#[sqlx::test(migrations = false)]
async fn a_star_schema_export_loads_in_dependency_order(pool: PgPool) {
    migrated(&pool).await;
    let customers = b"customer_id,name,email,location\nc1,Ana,ana@shop.example,Portugal\nc2,Ben,ben@shop.example,Germany\n";
    let products = b"product_id,name,category,price,cost,stock,lead_time_days\np1,Mug,Kitchen,10.00,4.00,100,7\np2,Candle,Home,5.50,2.00,50,14\n";
    let sales =
        b"transaction_id,customer_id,product_id,quantity,price,timestamp,order_id,channel,status
t1,c1,p1,2,10.00,2026-03-01T10:00:00,o1,web,completed
t2,c1,p2,1,5.50,2026-03-01T10:00:00,o1,web,completed
t3,c2,p1,1,10.00,2026-03-02T12:00:00,o2,mobile app,cancelled
t4,,p2,3,5.00,2026-03-03T09:00:00,,marketplace,
";
    // Given sales first: the plan loads customers and products before it.
    let s = load(
        &pool,
        &[
            ("sales.csv", sales),
            ("customers.csv", customers),
            ("products.csv", products),
        ],
    )
    .await;
    assert!(s.succeeded, "{s}");
    // gross: o1 25.50 + t4 (its own order, a guest) 15.00; returns: the cancelled o2 10.00.
    assert_eq!(
        figures(&pool).await,
        ("40.50".into(), "10.00".into(), "0".into(), 6, 2, 1)
    );
    let channels: Vec<String> =
        sqlx::query_scalar("select channel from sales_order order by external_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(channels, vec!["web", "mobile app", "marketplace"]);
    let country: String =
        sqlx::query_scalar("select country from sales_order where external_id = 'o1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(country, "Portugal");

    // An unknown product is a rejected row: with the default (no rejects allowed) nothing loads.
    let before = fingerprint(&pool).await;
    let unknown = b"transaction_id,customer_id,product_id,quantity,price,timestamp\nt9,c1,p1,1,10.00,2026-03-05T10:00:00\nt10,c1,p9,1,3.00,2026-03-05T10:00:00\n";
    let s = load(&pool, &[("more-sales.csv", unknown)]).await;
    assert!(!s.succeeded);
    assert_eq!(s.rejections[0].line, 3);
    assert!(
        s.rejections[0]
            .reason
            .contains("product_id 'p9' is not in products.csv"),
        "{:?}",
        s.rejections
    );
    assert_eq!(fingerprint(&pool).await, before);
    // Allowing some rejects loads the good row and reports the bad one.
    let s = load_with(&pool, &[("more-sales.csv", unknown)], |settings| {
        settings.max_rejected_percent = 50.0
    })
    .await
    .summary;
    assert!(s.succeeded, "{s}");
    assert_eq!((s.inserted, s.rejected), (1, 1));
    let stored: (i64, String) =
        sqlx::query_as("select line, reason from ingest_rejection where ingest_run_id = $1")
            .bind(s.run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored.0, 3);
}

#[sqlx::test(migrations = false)]
async fn catalog_and_competitor_prices(pool: PgPool) {
    migrated(&pool).await;
    let catalog = b"sku,name,category,price,cost,on_hand,lead_time_days,as_of\nSKU1,Lamp,Lighting,30.00,12.00,40,10,2026-05-01\nSKU2,Shade,Lighting,12.00,5.00,0,,2026-05-01\n";
    let s = load(&pool, &[("catalog.csv", catalog)]).await;
    assert!(s.succeeded, "{s}");
    let lamp: (String, String, i32, i32) =
        sqlx::query_as("select list_price::text, unit_cost::text, on_hand, lead_time_days from product where sku = 'SKU1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(lamp, ("30.00".into(), "12.00".into(), 40, 10));
    let snapshot: i32 = sqlx::query_scalar("select s.on_hand from inventory_snapshot s join product p using (product_id) where p.sku = 'SKU2' and day = '2026-05-01'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(snapshot, 0);

    let competitor = b"sku,competitor,price,shipping,in_stock,observed_at\nSKU1,MarketHub,27.50,0,true,2026-05-02T06:00:00\nSKU9,MarketHub,1.00,,,\n";
    let s = load_with(&pool, &[("competitor.csv", competitor)], |settings| {
        settings.max_rejected_percent = 50.0
    })
    .await
    .summary;
    assert!(s.succeeded, "{s}");
    assert_eq!((s.inserted, s.rejected), (1, 1));
    assert!(s.rejections[0]
        .reason
        .contains("sku 'SKU9' matches none of our products"));
    let price: String = sqlx::query_scalar("select price::text from competitor_price")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(price, "27.50");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[sqlx::test(migrations = false)]
async fn broken_files_get_their_own_message_and_load_nothing(pool: PgPool) {
    migrated(&pool).await;
    load(&pool, &[("retail.csv", RETAIL)]).await;
    let before = fingerprint(&pool).await;
    let big: Vec<u8> = std::iter::once(RETAIL.to_vec())
        .chain((0..3000).map(|i| format!("9{i:05},X,Y,1,12/5/2010 10:00,1.00,,UK\n").into_bytes()))
        .flatten()
        .collect();
    let gz = gzip(&big);
    let mut huge = b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n1,".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 2 << 20));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("wrong-header.csv", b"date,amount\n2026-01-01,5\n".to_vec(), "Found columns: date, amount. Expected one of"),
        ("bad-number.csv", b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n1,A,2,1/5/2011 10:00,1.5\n2,A,x2,1/5/2011 10:00,1.5\n".to_vec(), "line 3: Quantity 'x2' is not a number"),
        ("bad-price.csv", b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n1,A,2,1/5/2011 10:00,\xa32.50\n".to_vec(), "UnitPrice '\u{a3}2.50' is not a number"),
        ("bad-date.csv", b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n1,A,2,2011-02-30 10:00,1.5\n".to_vec(), "line 2: InvoiceDate '2011-02-30 10:00' is not a date"),
        ("missing-key.csv", b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n,A,2,1/5/2011 10:00,1.5\n".to_vec(), "line 2: InvoiceNo is empty"),
        ("utf16.csv", b"\xff\xfeI\x00n\x00v\x00".to_vec(), "is UTF-16 text"),
        ("empty.csv", Vec::new(), "is empty (0 bytes)"),
        ("header-only.csv", b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n".to_vec(), "has a header but no rows"),
        ("truncated.csv.gz", gz[..gz.len() / 2].to_vec(), "gzip data is truncated or damaged"),
        ("huge-line.csv", huge, "line 2 is longer than 1 MiB"),
        ("binary.xlsx", b"PK\x03\x04not really a workbook".to_vec(), "is not a readable XLSX workbook"),
    ];
    for (name, bytes, expected) in cases {
        let s = load(&pool, &[(name, &bytes)]).await;
        assert!(!s.succeeded, "{name} should fail");
        let message = s.error.clone().unwrap_or_default();
        assert!(
            message.contains(name),
            "{name}: the message names the file: {message}"
        );
        assert!(
            message.contains(expected),
            "{name}: expected '{expected}' in: {message}"
        );
        assert_eq!(
            fingerprint(&pool).await,
            before,
            "{name} changed the database"
        );
        let state: String =
            sqlx::query_scalar("select state from ingest_run where ingest_run_id = $1")
                .bind(s.run_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(state, "failed");
    }
    // A complete gzip of the same rows loads.
    let s = load(&pool, &[("complete.csv.gz", &gz)]).await;
    assert!(s.succeeded, "{s}");
    assert_eq!(s.inserted, 3000);
}

/// The real file from `../shared/data` next to the repository (tests never download it). A
/// missing file fails the test: a skipped run must not pass for a checked one.
#[sqlx::test(migrations = false)]
async fn the_online_retail_file_end_to_end(pool: PgPool) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/online_retail.csv.gz");
    assert!(
        path.exists(),
        "{} is missing: the Online Retail end-to-end test needs the UCI Online Retail file \
         (online_retail.csv.gz) in the shared data folder next to the repository",
        path.display()
    );
    migrated(&pool).await;
    let bytes = std::fs::read(&path).unwrap();
    let s = load(&pool, &[("online_retail.csv.gz", &bytes)]).await;
    assert!(s.succeeded, "{s}");
    assert_eq!((s.rows_read, s.inserted, s.rejected), (541_909, 541_909, 0));
    // Reference figures from an independent pass over the CSV (scripts/online_retail_reference.py,
    // Python's csv and Decimal, DESIGN.md's definitions with whole A invoices as adjustments).
    assert_eq!(
        figures(&pool).await,
        (
            "10655622.484".into(),
            "896812.49".into(),
            "-11062.06".into(),
            5_660_978,
            20_725,
            4_339
        )
    );
    let counts: (i64, i64, i64) = sqlx::query_as("select (select count(*) from sales_order), (select count(*) from customer), (select count(*) from product)")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counts, (25_900, 4_372, 4_070));
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("5268 rows repeat an earlier row of their order exactly")),
        "{:?}",
        s.notes
    );
    let again = load(&pool, &[("online_retail.csv.gz", &bytes)]).await;
    assert_eq!(
        (again.inserted, again.updated),
        (0, 0),
        "loading it twice changes nothing"
    );
}

/// The connection URL of the test's database, for a child process.
fn database_url(pool: &PgPool) -> String {
    let o = pool.connect_options();
    let db = o.get_database().unwrap_or("postgres");
    match o.get_socket() {
        Some(socket) => {
            let host = percent_encoding::utf8_percent_encode(
                &socket.to_string_lossy(),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            format!("postgres://{}@{host}/{db}", o.get_username())
        }
        None => format!(
            "postgres://{}@{}:{}/{db}",
            o.get_username(),
            o.get_host(),
            o.get_port()
        ),
    }
}

#[sqlx::test(migrations = false)]
async fn killing_the_process_mid_run_keeps_nothing_and_the_run_can_be_retried(pool: PgPool) {
    migrated(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(
        out,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    )
    .unwrap();
    for i in 0..600_000 {
        writeln!(
            out,
            "{},{},Item {},{},3/{}/2011 10:00,{}.25,{},United Kingdom",
            i / 4,
            i % 997,
            i % 997,
            1 + i % 5,
            1 + i % 28,
            1 + i % 9,
            i % 3000
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storepulse"))
        .args(["ingest", "--source", "Big"])
        .arg(&file)
        .env("DATABASE_URL", database_url(&pool))
        .env("STOREPULSE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the run is well under way, then kill it without warning.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let read: Option<i64> =
            sqlx::query_scalar("select rows_read from ingest_run where state = 'running'")
                .fetch_optional(&pool)
                .await
                .unwrap();
        if read.is_some_and(|r| r >= 50_000) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the ingest finished before it could be interrupted"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the ingest did not get going"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // Nothing of the run is kept, and the next start recognises it as interrupted.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let interrupted = loop {
        let ids = run::mark_interrupted(&pool).await.unwrap();
        if !ids.is_empty() || std::time::Instant::now() > deadline {
            break ids;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(interrupted.len(), 1);
    assert_eq!(fingerprint(&pool).await, vec![0, 0, 0, 0, 0, 0, 0]);
    let state: String = sqlx::query_scalar("select state from ingest_run")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "interrupted");

    // Loading the file again succeeds.
    let bytes = std::fs::read(&file).unwrap();
    let s = load(&pool, &[("big.csv", &bytes)]).await;
    assert!(s.succeeded, "{s}");
    assert_eq!(s.inserted, 600_000);
}

#[sqlx::test(migrations = false)]
async fn an_xlsx_transaction_log_reads_like_its_csv(pool: PgPool) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    migrated(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retail.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("m/d/yyyy h:mm");
    for (col, name) in [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    // As Excel stores the Online Retail sheet: numbers as numbers, dates as date serials.
    let rows = [
        (
            536365.0,
            "85123A",
            "WHITE HANGING HEART",
            6.0,
            "2010-12-01 08:26:00",
            2.55,
            Some(17850.0),
        ),
        (
            536366.0,
            "22633",
            "HAND WARMER",
            6.0,
            "2010-12-01 08:28:00",
            1.85,
            None,
        ),
    ];
    for (i, (invoice, code, description, qty, at, price, customer)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, *invoice).unwrap();
        sheet.write_string(r, 1, *code).unwrap();
        sheet.write_string(r, 2, *description).unwrap();
        sheet.write_number(r, 3, *qty).unwrap();
        sheet
            .write_datetime_with_format(
                r,
                4,
                ExcelDateTime::parse_from_str(at).unwrap(),
                &date_format,
            )
            .unwrap();
        sheet.write_number(r, 5, *price).unwrap();
        if let Some(c) = customer {
            sheet.write_number(r, 6, *c).unwrap();
        }
        sheet.write_string(r, 7, "United Kingdom").unwrap();
    }
    workbook.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let s = load(&pool, &[("retail.xlsx", &bytes)]).await;
    assert!(s.succeeded, "{s}");
    assert_eq!((s.rows_read, s.inserted), (2, 2));
    let orders: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "select o.external_id, c.external_id, to_char(o.ordered_at at time zone 'Europe/London', 'YYYY-MM-DD HH24:MI')
         from sales_order o left join customer c using (customer_id) order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        orders,
        vec![
            (
                "536365".into(),
                Some("17850".into()),
                "2010-12-01 08:26".into()
            ),
            ("536366".into(), None, "2010-12-01 08:28".into())
        ]
    );
    assert_eq!(figures(&pool).await.0, "26.40"); // 6 × 2.55 + 6 × 1.85
}

#[sqlx::test(migrations = false)]
async fn a_customers_file_alone_moves_their_summary(pool: PgPool) {
    migrated(&pool).await;
    let customers = b"customer_id,name,email,location\nc1,Ana,ana@shop.example,Portugal\nc2,Ben,ben@shop.example,Germany\n";
    let products = b"product_id,name,category,price\np1,Mug,Kitchen,10.00\n";
    let sales = b"transaction_id,customer_id,product_id,quantity,price,timestamp\nt1,c1,p1,2,10.00,2026-03-01T10:00:00\nt2,c2,p1,1,10.00,2026-03-02T12:00:00\n";
    let s = load(
        &pool,
        &[
            ("customers.csv", customers),
            ("products.csv", products),
            ("sales.csv", sales),
        ],
    )
    .await;
    assert!(s.succeeded, "{s}");
    let summaries = || async {
        sqlx::query_as::<_, (String, Option<String>, i64)>(
            "select c.external_id, s.country, s.version from customer_summary s
             join customer c using (customer_id) order by 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let before = summaries().await;
    assert_eq!(
        before
            .iter()
            .map(|r| (r.0.as_str(), r.1.as_deref()))
            .collect::<Vec<_>>(),
        vec![("c1", Some("Portugal")), ("c2", Some("Germany"))]
    );
    // Ana moved; no order is in the file, so no day with orders is rebuilt.
    let moved = b"customer_id,name,email,location\nc1,Ana,ana@shop.example,Spain\n";
    let s = load(&pool, &[("customers.csv", moved)]).await;
    assert!(s.succeeded, "{s}");
    let after = summaries().await;
    assert_eq!(after[0].1.as_deref(), Some("Spain"));
    assert!(
        after[0].2 > before[0].2,
        "stamped with the change's data version"
    );
    assert_eq!(after[1], before[1], "Ben's summary is untouched");
    let pending: i64 = sqlx::query_scalar("select count(*) from rollup_dirty_customer")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    // The same as a rebuild from scratch.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("delete from customer_summary")
        .execute(&mut *conn)
        .await
        .unwrap();
    app::rollup::refresh_all(&mut conn).await.unwrap();
    let rebuilt = summaries().await;
    assert_eq!(
        rebuilt.iter().map(|r| (&r.0, &r.1)).collect::<Vec<_>>(),
        after.iter().map(|r| (&r.0, &r.1)).collect::<Vec<_>>()
    );
}

#[sqlx::test(migrations = false)]
async fn a_catalog_that_recategorises_products_rebuilds_their_days(pool: PgPool) {
    migrated(&pool).await;
    let orders =
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
1,A1,Mug,2,2026-03-01 10:00,5.00,c1,United Kingdom
1,A2,Plate,1,2026-03-01 10:00,7.50,c1,United Kingdom
2,A1,Mug,1,2026-04-02 11:00,5.00,c2,France
";
    load(&pool, &[("orders.csv", orders)]).await;
    let by_category = || async {
        sqlx::query_as::<_, (String, String)>(
            "select category, sum(gross_revenue)::text from daily_sales group by 1 order by 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert_eq!(
        by_category().await,
        vec![("Uncategorised".into(), "22.50".into())]
    );
    let version = || async {
        sqlx::query_scalar::<_, i64>("select data_version from rollup_state")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = version().await;
    // A catalog file alone touches no order, but moves the mug to Kitchen.
    let catalog = b"sku,name,category,price,cost,on_hand\nA1,Mug,Kitchen,5.00,2.00,10\n";
    load(&pool, &[("catalog.csv", catalog)]).await;
    assert_eq!(
        by_category().await,
        vec![
            ("Kitchen".into(), "15.00".into()),
            ("Uncategorised".into(), "7.50".into())
        ]
    );
    assert!(version().await > before, "cached dashboards see the change");
    let pending: i64 = sqlx::query_scalar("select count(*) from rollup_dirty_product")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

#[sqlx::test(migrations = false)]
async fn a_run_finishes_when_its_work_is_done_not_when_its_transaction_began(pool: PgPool) {
    migrated(&pool).await;
    // Enough lines that loading them takes a while inside the run's transaction.
    let mut csv = String::from(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    );
    for i in 0..20_000 {
        csv += &format!(
            "{},P{},Product {},2,12/{}/2010 10:00,1.50,{},United Kingdom\n",
            600_000 + i / 4,
            i % 500,
            i % 500,
            1 + (i / 1000) % 28,
            10_000 + i % 3000
        );
    }
    let started = std::time::Instant::now();
    let s = load(&pool, &[("many.csv", csv.as_bytes())]).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(s.succeeded, "{s}");
    let recorded: f64 = sqlx::query_scalar(
        "select extract(epoch from finished_at - started_at)::float8 from ingest_run where ingest_run_id = $1",
    )
    .bind(s.run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        recorded >= elapsed / 2.0,
        "the run took {elapsed:.2} s, its record says {recorded:.2} s"
    );
}

/// A transaction export has no stock: it raises no stock or price signals, however its daily
/// prices swing (quantity tiers), and one bulk order is no surge; many buyers are.
#[sqlx::test(migrations = false)]
async fn a_source_without_stock_raises_no_stock_or_price_noise(pool: PgPool) {
    use app::features::inventory::refresh::refresh_signals;
    use app::features::inventory::types::InventorySettings;
    migrated(&pool).await;
    let mut csv = String::from(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    );
    let first = chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
    let mut invoice = 1000;
    let mut line = |csv: &mut String, day: chrono::NaiveDate, sku: &str, qty: i64, price: &str| {
        invoice += 1;
        csv.push_str(&format!(
            "{invoice},{sku},Item {sku},{qty},{day} 10:00,{price},c{},United Kingdom\n",
            invoice % 40
        ));
    };
    for d in 0..60 {
        let day = first + chrono::Duration::days(d);
        // Tiered: a unit at 2.00 one day, a hundred at 0.80 the next; the last day at 5.00.
        match (d, d % 2) {
            (59, _) => line(&mut csv, day, "TIER", 1, "5.00"),
            (_, 0) => line(&mut csv, day, "TIER", 1, "2.00"),
            _ => line(&mut csv, day, "TIER", 100, "0.80"),
        }
        // One order a day, then one order of 500 on the last day.
        line(&mut csv, day, "BULK", if d == 59 { 500 } else { 1 }, "3.00");
        // One order a day, then four a day in the last week.
        let orders = if d >= 53 { 4 } else { 1 };
        for _ in 0..orders {
            line(&mut csv, day, "RUN", 1, "4.00");
        }
    }
    load(&pool, &[("orders.csv", csv.as_bytes())]).await;
    refresh_signals(&pool, &InventorySettings::default())
        .await
        .unwrap();
    let raised: Vec<(String, String)> = sqlx::query_as(
        "select kind, p.sku from market_signal s join product p using (product_id) order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        raised,
        vec![("demand_surge".to_string(), "RUN".to_string())]
    );
}
