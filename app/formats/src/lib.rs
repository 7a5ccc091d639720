//! The file formats StorePulse reads, recognised from their header, and the parsing of one row
//! into a staged record or a rejection that says line, column and reason. Pure: no I/O.
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a file holds, decided from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    // Declared in load order: dimensions before the facts that refer to them.
    StarCustomers,
    StarProducts,
    Catalog,
    Transactions,
    StarSales,
    Competitor,
}

/// Month-first (`12/1/2010` is 1 December) or day-first dates in uploaded files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Guessed from the first rows: a first number above 12 means day-first.
    #[default]
    Auto,
    MonthFirst,
    DayFirst,
}

impl std::fmt::Display for DateOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DateOrder::Auto => "auto",
            DateOrder::MonthFirst => "month-first (M/D/YYYY)",
            DateOrder::DayFirst => "day-first (D/M/YYYY)",
        })
    }
}

impl std::str::FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(DateOrder::Auto),
            "month-first" | "mdy" => Ok(DateOrder::MonthFirst),
            "day-first" | "dmy" => Ok(DateOrder::DayFirst),
            other => Err(format!(
                "unknown date order '{other}': use auto, month-first or day-first"
            )),
        }
    }
}

/// Which format to read uploads as; `Auto` recognises each file by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatChoice {
    #[default]
    Auto,
    Transactions,
    Star,
    Catalog,
    Competitor,
}

impl std::str::FromStr for FormatChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(FormatChoice::Auto),
            "transactions" => Ok(FormatChoice::Transactions),
            "star" => Ok(FormatChoice::Star),
            "catalog" => Ok(FormatChoice::Catalog),
            "competitor" => Ok(FormatChoice::Competitor),
            other => Err(format!(
                "unknown format '{other}': use auto, transactions, star, catalog or competitor"
            )),
        }
    }
}

/// The sane ranges of the values a file may hold; a row outside them is rejected like any other
/// bad row. Store-wide settings (`STOREPULSE_MIN_ORDER_DATE`, `STOREPULSE_MAX_DAYS_AHEAD`,
/// `STOREPULSE_MAX_UNIT_PRICE`, `STOREPULSE_MAX_QUANTITY`); the dashboards' presets stay within
/// the same dates whatever is already in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueLimits {
    /// The earliest order, stock or price-observation date accepted.
    pub min_date: chrono::NaiveDate,
    /// The latest date accepted, in days after today.
    pub max_days_ahead: i64,
    /// The largest price, cost or shipping amount accepted (either sign), in whole currency units.
    pub max_unit_price: u64,
    /// The largest quantity, stock or lead time accepted (either sign).
    pub max_quantity: i64,
}

impl Default for ValueLimits {
    fn default() -> Self {
        ValueLimits {
            min_date: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default(),
            max_days_ahead: 366,
            max_unit_price: 1_000_000_000,
            max_quantity: 10_000_000,
        }
    }
}

impl ValueLimits {
    /// The latest date accepted when today is `today`.
    pub fn max_date(&self, today: chrono::NaiveDate) -> chrono::NaiveDate {
        today
            .checked_add_signed(chrono::Duration::days(self.max_days_ahead))
            .unwrap_or(today)
    }
}

/// Digits with a comma between each group of three (`1234567` → `1,234,567`): the counts and
/// limits StorePulse writes, on pages and in messages.
pub fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn allows(choice: FormatChoice, kind: FileKind) -> bool {
    match choice {
        FormatChoice::Auto => true,
        FormatChoice::Transactions => kind == FileKind::Transactions,
        FormatChoice::Star => matches!(
            kind,
            FileKind::StarCustomers | FileKind::StarProducts | FileKind::StarSales
        ),
        FormatChoice::Catalog => kind == FileKind::Catalog,
        FormatChoice::Competitor => kind == FileKind::Competitor,
    }
}

#[derive(Debug, Clone, Copy)]
enum Value {
    Text,
    /// Required non-empty text.
    Key,
    Int,
    Money,
    Timestamp,
    Date,
    Bool,
}

struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    value: Value,
}

const fn col(
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    value: Value,
) -> Column {
    Column {
        name,
        aliases,
        required,
        value,
    }
}

// Column lists per kind, in the order of the staging tables' columns (after `line`).
const TRANSACTIONS: &[Column] = &[
    col(
        "InvoiceNo",
        &["invoice", "invoicenumber", "orderid", "ordernumber"],
        true,
        Value::Key,
    ),
    col(
        "StockCode",
        &["sku", "productcode", "itemcode"],
        true,
        Value::Key,
    ),
    col(
        "Description",
        &["productname", "itemname"],
        false,
        Value::Text,
    ),
    col("Quantity", &["qty"], true, Value::Int),
    col(
        "InvoiceDate",
        &["date", "orderdate", "timestamp"],
        true,
        Value::Timestamp,
    ),
    col("UnitPrice", &["price"], true, Value::Money),
    col(
        "CustomerID",
        &["customer", "customernumber"],
        false,
        Value::Text,
    ),
    col("Country", &[], false, Value::Text),
];
const STAR_CUSTOMERS: &[Column] = &[
    col("customer_id", &[], true, Value::Key),
    col("name", &[], false, Value::Text),
    col("email", &[], false, Value::Text),
    col("location", &["country"], false, Value::Text),
];
const STAR_PRODUCTS: &[Column] = &[
    col("product_id", &[], true, Value::Key),
    col("name", &[], true, Value::Key),
    col("category", &[], true, Value::Text),
    col("price", &[], true, Value::Money),
    col("cost", &[], false, Value::Money),
    col("stock", &["onhand"], false, Value::Int),
    col("lead_time_days", &["leadtime"], false, Value::Int),
    // The shop's SKU when it is not the product id (a shop platform's variant id).
    col("sku", &[], false, Value::Text),
];
const STAR_SALES: &[Column] = &[
    col("transaction_id", &[], true, Value::Key),
    col("order_id", &[], false, Value::Text),
    col("customer_id", &[], true, Value::Text),
    col("product_id", &[], true, Value::Key),
    col("quantity", &[], true, Value::Int),
    col("price", &[], true, Value::Money),
    col("timestamp", &[], true, Value::Timestamp),
    col("channel", &[], false, Value::Text),
    col("status", &[], false, Value::Text),
    // The order's country (e.g. its billing address); the customer's location without it.
    col("country", &[], false, Value::Text),
];
const CATALOG: &[Column] = &[
    col("sku", &[], true, Value::Key),
    col("name", &[], true, Value::Key),
    col("category", &[], true, Value::Text),
    col("price", &[], true, Value::Money),
    col("cost", &[], true, Value::Money),
    col("on_hand", &["stock"], true, Value::Int),
    col("lead_time_days", &["leadtime"], false, Value::Int),
    col("as_of", &["date"], false, Value::Date),
];
const COMPETITOR: &[Column] = &[
    col("sku", &[], true, Value::Key),
    col("competitor", &[], true, Value::Key),
    col("price", &[], true, Value::Money),
    col("shipping", &[], false, Value::Money),
    col("in_stock", &[], false, Value::Bool),
    col(
        "observed_at",
        &["date", "timestamp"],
        false,
        Value::Timestamp,
    ),
];

impl FileKind {
    const ALL: [FileKind; 6] = [
        FileKind::Transactions,
        FileKind::StarSales,
        FileKind::StarCustomers,
        FileKind::StarProducts,
        FileKind::Catalog,
        FileKind::Competitor,
    ];

    fn columns(self) -> &'static [Column] {
        match self {
            FileKind::Transactions => TRANSACTIONS,
            FileKind::StarCustomers => STAR_CUSTOMERS,
            FileKind::StarProducts => STAR_PRODUCTS,
            FileKind::StarSales => STAR_SALES,
            FileKind::Catalog => CATALOG,
            FileKind::Competitor => COMPETITOR,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Transactions => "transaction log",
            FileKind::StarCustomers => "customers (star schema)",
            FileKind::StarProducts => "products (star schema)",
            FileKind::StarSales => "sales (star schema)",
            FileKind::Catalog => "catalog and stock",
            FileKind::Competitor => "competitor prices",
        }
    }

    /// Column names of the staging table, in order.
    pub fn staging_columns(self) -> Vec<&'static str> {
        self.columns().iter().map(|c| c.name).collect()
    }

    fn describe(self) -> String {
        let cols: Vec<String> = self
            .columns()
            .iter()
            .map(|c| {
                if c.required {
                    c.name.to_string()
                } else {
                    format!("[{}]", c.name)
                }
            })
            .collect();
        format!("{}: {}", self.label(), cols.join(", "))
    }
}

/// Header names compare without case, spaces, underscores or punctuation.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A recognised header: which kind, and where each column of the kind is.
#[derive(Debug, Clone)]
pub struct Layout {
    pub kind: FileKind,
    positions: Vec<Option<usize>>,
}

/// Recognises a file's kind from its header, or says what was expected and what was found.
pub fn detect(header: &[String], choice: FormatChoice) -> Result<Layout, String> {
    let found: Vec<String> = header.iter().map(|h| normalize(h)).collect();
    let position = |column: &Column| {
        std::iter::once(normalize(column.name))
            .chain(column.aliases.iter().map(|a| normalize(a)))
            .find_map(|name| found.iter().position(|f| *f == name))
    };
    // The kind whose required columns are all there; the one matching most columns wins
    // (a star products file also has what a catalog needs but for cost and on_hand).
    let mut best: Option<(usize, Layout)> = None;
    for kind in FileKind::ALL.into_iter().filter(|k| allows(choice, *k)) {
        let positions: Vec<Option<usize>> = kind.columns().iter().map(position).collect();
        let complete = kind
            .columns()
            .iter()
            .zip(&positions)
            .all(|(c, p)| !c.required || p.is_some());
        let matched = positions.iter().filter(|p| p.is_some()).count();
        if complete && best.as_ref().is_none_or(|(m, _)| matched > *m) {
            best = Some((matched, Layout { kind, positions }));
        }
    }
    best.map(|(_, layout)| layout).ok_or_else(|| {
        let expected: Vec<String> =
            FileKind::ALL.into_iter().filter(|k| allows(choice, *k)).map(|k| k.describe()).collect();
        let shown: Vec<&str> = header.iter().map(|h| h.trim()).collect();
        format!(
            "the header does not match a format StorePulse reads. Found columns: {}. Expected one of — {} ([…] optional; case, spaces and underscores do not matter)",
            if shown.iter().all(|h| h.is_empty()) { "none".to_string() } else { shown.join(", ") },
            expected.join(" | ")
        )
    })
}

/// Why a row cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

/// Turns rows of one file into staged records (text fields, ready for COPY).
pub struct RowParser {
    layout: Layout,
    date_order: DateOrder,
    limits: ValueLimits,
    /// The latest date accepted (`limits` counted from the day the parser was made).
    max_date: NaiveDate,
}

impl RowParser {
    /// A parser for rows of `layout`; dates must fall between `limits.min_date` and
    /// `limits.max_days_ahead` days after `today`.
    pub fn new(
        layout: Layout,
        date_order: DateOrder,
        limits: ValueLimits,
        today: NaiveDate,
    ) -> Self {
        RowParser {
            layout,
            date_order,
            limits,
            max_date: limits.max_date(today),
        }
    }

    pub fn kind(&self) -> FileKind {
        self.layout.kind
    }

    pub fn date_order(&self) -> DateOrder {
        self.date_order
    }

    /// The order a row belongs to (invoice, or order id else transaction id), for kinds whose
    /// rows are order lines: an order loads whole, so a rejected line keeps its order out.
    pub fn order_key(&self, fields: &[String]) -> Option<String> {
        let value = |i: usize| {
            self.layout.positions[i]
                .and_then(|p| fields.get(p))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        match self.layout.kind {
            FileKind::Transactions => value(0),
            FileKind::StarSales => value(1).or_else(|| value(0)),
            _ => None,
        }
    }

    /// Settles an `Auto` date order from sample rows: a first number above 12 means day-first,
    /// a second one above 12 month-first; month-first when nothing tells.
    pub fn settle_date_order(&mut self, rows: &[Vec<String>]) -> DateOrder {
        if self.date_order != DateOrder::Auto {
            return self.date_order;
        }
        let date_columns: Vec<usize> = self
            .layout
            .kind
            .columns()
            .iter()
            .zip(&self.layout.positions)
            .filter(|(c, _)| matches!(c.value, Value::Timestamp | Value::Date))
            .filter_map(|(_, p)| *p)
            .collect();
        let mut order = DateOrder::MonthFirst;
        'rows: for row in rows {
            for &i in &date_columns {
                if let Some((a, b)) = row.get(i).and_then(|v| slash_parts(v)) {
                    if a > 12 {
                        order = DateOrder::DayFirst;
                        break 'rows;
                    }
                    if b > 12 {
                        break 'rows;
                    }
                }
            }
        }
        self.date_order = order;
        order
    }

    /// The staged record: `line` then one text field per column of the kind ('' for empty).
    pub fn parse(&self, line: u64, fields: &[String]) -> Result<Vec<String>, Rejection> {
        let mut record = Vec::with_capacity(self.layout.positions.len() + 1);
        record.push(line.to_string());
        for (column, position) in self
            .layout
            .kind
            .columns()
            .iter()
            .zip(&self.layout.positions)
        {
            let raw = position
                .and_then(|p| fields.get(p))
                .map(|v| v.trim())
                .unwrap_or("");
            if raw.contains('\0') {
                return Err(Rejection {
                    line,
                    column: Some(column.name.to_string()),
                    reason: format!(
                        "{} contains a NUL character: is this part of the file binary?",
                        column.name
                    ),
                });
            }
            let reject = |reason: String| Rejection {
                line,
                column: Some(column.name.to_string()),
                reason,
            };
            // A required column must be in the header; its value may be empty only for text
            // (e.g. no customer: a guest checkout).
            let value = match column.value {
                Value::Text if raw.is_empty() => String::new(),
                _ if raw.is_empty() && (column.required || matches!(column.value, Value::Key)) => {
                    return Err(reject(format!("{} is empty", column.name)));
                }
                _ if raw.is_empty() => String::new(),
                Value::Text | Value::Key => raw.to_string(),
                Value::Int => {
                    let n = parse_int(raw)
                        .map_err(|e| reject(format!("{} '{raw}' {e}", column.name)))?;
                    let max = self.limits.max_quantity;
                    if n.unsigned_abs() > max.unsigned_abs() {
                        return Err(reject(format!(
                            "{} '{raw}' is outside the allowed range ±{} (setting STOREPULSE_MAX_QUANTITY)",
                            column.name,
                            group_thousands(&max.to_string())
                        )));
                    }
                    n.to_string()
                }
                Value::Money => {
                    let n = parse_money(raw)
                        .map_err(|e| reject(format!("{} '{raw}' {e}", column.name)))?;
                    let max = self.limits.max_unit_price;
                    if n.abs() > Decimal::from(max) {
                        return Err(reject(format!(
                            "{} '{raw}' is outside the allowed range ±{} (setting STOREPULSE_MAX_UNIT_PRICE)",
                            column.name,
                            group_thousands(&max.to_string())
                        )));
                    }
                    n.to_string()
                }
                Value::Timestamp | Value::Date => {
                    let t = parse_timestamp(raw, self.date_order)
                        .map_err(|e| reject(format!("{} '{raw}' {e}", column.name)))?;
                    // Every accepted shape starts with the date as YYYY-MM-DD.
                    let date = t.get(..10).unwrap_or_default();
                    let day = SHAPES
                        .iso_date
                        .date(date)
                        .ok_or_else(|| reject(format!("{} '{raw}' is not a date", column.name)))?;
                    if day < self.limits.min_date || day > self.max_date {
                        return Err(reject(format!(
                            "{} '{raw}' is outside the accepted dates {} to {} (settings STOREPULSE_MIN_ORDER_DATE and STOREPULSE_MAX_DAYS_AHEAD)",
                            column.name, self.limits.min_date, self.max_date
                        )));
                    }
                    match column.value {
                        Value::Date => date.to_string(),
                        _ => t,
                    }
                }
                Value::Bool => parse_bool(raw)
                    .map_err(|e| reject(format!("{} '{raw}' {e}", column.name)))?
                    .to_string(),
            };
            record.push(value);
        }
        Ok(record)
    }
}

/// The parts of a plain decimal number: `-?digits(.digits)?` and nothing else (no `+`, no
/// `_`, no thousands separators, no `3.` or `.5`, no NaN or infinity).
fn decimal_parts(raw: &str) -> Option<(&str, Option<&str>)> {
    let body = raw.strip_prefix('-').unwrap_or(raw);
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(whole) && fraction.is_none_or(digits)).then_some((whole, fraction))
}

/// A whole number; spreadsheets write them as `6.0`, which is accepted.
fn parse_int(raw: &str) -> Result<i64, &'static str> {
    let Some((_, fraction)) = decimal_parts(raw) else {
        return Err("is not a number");
    };
    if fraction.is_some_and(|f| f.bytes().any(|b| b != b'0')) {
        return Err("is not a whole number");
    }
    let whole = raw.split('.').next().unwrap_or(raw);
    whole.parse::<i64>().map_err(|_| "is far too large")
}

/// A plain decimal number, or one in scientific notation as spreadsheets write small values
/// (`1.5E-05`, exponent within ±28).
fn parse_money(raw: &str) -> Result<Decimal, &'static str> {
    use std::str::FromStr;
    const NOT_A_NUMBER: &str =
        "is not a number (use digits and a decimal point, no currency sign or thousands separator)";
    let (mantissa, exponent) = match raw.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (raw, None),
    };
    if decimal_parts(mantissa).is_none() {
        return Err(NOT_A_NUMBER);
    }
    let value = Decimal::from_str(mantissa).map_err(|_| "has too many digits")?;
    match exponent {
        None => Ok(value),
        Some(e) => {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(NOT_A_NUMBER);
            }
            let e: i64 = e.parse().map_err(|_| NOT_A_NUMBER)?;
            if e.abs() > 28 {
                return Err("is outside the range of numbers StorePulse stores");
            }
            let scale = Decimal::from_i128_with_scale(10i128.pow(e.unsigned_abs() as u32), 0);
            let scaled = if e >= 0 {
                value.checked_mul(scale)
            } else {
                value.checked_div(scale)
            };
            scaled.ok_or("is outside the range of numbers StorePulse stores")
        }
    }
}

fn parse_bool(raw: &str) -> Result<bool, &'static str> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err("is not true/false"),
    }
}

/// The two leading numbers of a `a/b/yyyy` date.
fn slash_parts(raw: &str) -> Option<(u32, u32)> {
    let mut parts = raw.trim().split(['/', '.', '-']);
    let a = parts.next()?.parse().ok()?;
    let b = parts.next()?.parse().ok()?;
    let year = parts.next()?.split_whitespace().next()?;
    (year.len() == 4).then_some((a, b))
}

/// A timestamp as Postgres reads it: `YYYY-MM-DD HH:MM:SS` (local time of the source's time
/// zone) or with the offset the file gave.
pub fn parse_timestamp(raw: &str, order: DateOrder) -> Result<String, String> {
    let value = parse_timestamp_shape(raw, order)?;
    // PostgreSQL has no year 0; and a year beyond 9999 is a typo, not an order.
    match value.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(year) if (1..=9999).contains(&year) => Ok(value),
        _ => Err("has a year outside 1–9999".to_string()),
    }
}

fn parse_timestamp_shape(raw: &str, order: DateOrder) -> Result<String, String> {
    // Slash dates first (Online Retail's shape): no ISO or RFC 3339 time has a four-digit third
    // part, and trying the six ISO shapes first cost each such row six failed parses.
    if slash_parts(raw).is_some() {
        let (shapes, other) = match order {
            DateOrder::DayFirst => (&SHAPES.day_first, "month-first"),
            _ => (&SHAPES.month_first, "day-first"),
        };
        let normalized = raw.replace(['.', '-'], "/");
        let [minutes, seconds, date] = shapes;
        for with_time in [minutes, seconds] {
            if let Some(t) = with_time.date_time(&normalized) {
                return Ok(local_text(t));
            }
        }
        if let Some(d) = date.date(&normalized) {
            return Ok(format!("{d} 00:00:00"));
        }
        return Err(format!(
            "is not a valid {order} date (if the file's dates are {other}, set the source's date order)"
        ));
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.to_rfc3339());
    }
    for shape in &SHAPES.iso {
        if let Some(t) = shape.date_time(raw) {
            return Ok(local_text(t));
        }
    }
    if let Some(d) = SHAPES.iso_date.date(raw) {
        return Ok(format!("{d} 00:00:00"));
    }
    Err("is not a date (expected e.g. 2011-12-09 12:50 or 12/9/2011 12:50)".to_string())
}

/// Counts the rows that repeat an earlier row of their order exactly, as the rows go by: only
/// the current order's rows are remembered (as hashes), so memory stays bounded. Rows of an order
/// are expected together, as exports write them.
#[derive(Debug, Default)]
pub struct Repeats {
    order: Option<String>,
    seen: std::collections::HashSet<u64>,
    count: u64,
}

impl Repeats {
    /// Notes a row of `order`; true when it repeats an earlier row of that order.
    pub fn note(&mut self, order: String, fields: &[String]) -> bool {
        use std::hash::{Hash, Hasher};
        if self.order.as_deref() != Some(order.as_str()) {
            self.order = Some(order);
            self.seen.clear();
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        fields.hash(&mut hasher);
        let repeat = !self.seen.insert(hasher.finish());
        self.count += u64::from(repeat);
        repeat
    }

    /// The rows noted so far that repeat an earlier row of their order.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Follows a CSV file's quoting byte by byte, as the CSV reader does: the physical line, where
/// an open quote started, and the bytes of the current record (a line, or several inside a
/// quoted field), so that the reader can refuse a record longer than a limit before buffering
/// it and report a quote left open at the end of the file.
#[derive(Debug)]
pub struct RecordScan {
    max_record_bytes: u64,
    since_record: u64,
    quote: Quote,
    line: u64,
    quote_line: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Quote {
    /// At the start of a field.
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: it ends the field, or is the first of `""`.
    ClosingOrEscaped,
}

impl RecordScan {
    pub fn new(max_record_bytes: u64) -> RecordScan {
        RecordScan {
            max_record_bytes,
            since_record: 0,
            quote: Quote::FieldStart,
            line: 1,
            quote_line: 0,
        }
    }

    /// Follows the next bytes of the file; false once a record runs past the limit.
    pub fn scan(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            let newline = b == b'\n' || b == b'\r';
            self.quote = match (self.quote, b) {
                (Quote::Quoted, b'"') => Quote::ClosingOrEscaped,
                (Quote::Quoted, _) => Quote::Quoted,
                (Quote::ClosingOrEscaped, b'"') => Quote::Quoted,
                (Quote::FieldStart, b'"') => {
                    self.quote_line = self.line;
                    Quote::Quoted
                }
                (_, b',') => Quote::FieldStart,
                (_, _) if newline => Quote::FieldStart,
                _ => Quote::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
            if newline && self.quote == Quote::FieldStart {
                self.since_record = 0;
            } else {
                self.since_record += 1;
                if self.since_record > self.max_record_bytes {
                    return false;
                }
            }
        }
        true
    }

    /// The line where a quoted field opened and never closed, once the whole file is scanned.
    pub fn unclosed_quote(&self) -> Option<u64> {
        (self.quote == Quote::Quoted).then_some(self.quote_line)
    }
}

/// A date or timestamp shape: its format string parsed once. `parse_from_str` parses the
/// format string anew on every call (a tenth of the parser's time on a large file); this does
/// what it does with the parsed items.
struct Shape(Option<Vec<chrono::format::Item<'static>>>);

impl Shape {
    fn new(format: &'static str) -> Shape {
        Shape(chrono::format::StrftimeItems::new(format).parse().ok())
    }

    fn parsed(&self, raw: &str) -> Option<chrono::format::Parsed> {
        let mut parsed = chrono::format::Parsed::new();
        chrono::format::parse(&mut parsed, raw, self.0.as_ref()?.iter()).ok()?;
        Some(parsed)
    }

    /// What `NaiveDateTime::parse_from_str(raw, format)` gives.
    fn date_time(&self, raw: &str) -> Option<NaiveDateTime> {
        self.parsed(raw)?.to_naive_datetime_with_offset(0).ok()
    }

    /// What `NaiveDate::parse_from_str(raw, format)` gives.
    fn date(&self, raw: &str) -> Option<NaiveDate> {
        self.parsed(raw)?.to_naive_date().ok()
    }
}

/// The shapes `parse_timestamp` tries, in order.
struct Shapes {
    /// `M/D/YYYY` with minutes, with seconds, and the date alone.
    month_first: [Shape; 3],
    /// `D/M/YYYY`, the same three.
    day_first: [Shape; 3],
    iso: [Shape; 6],
    iso_date: Shape,
}

static SHAPES: std::sync::LazyLock<Shapes> = std::sync::LazyLock::new(|| Shapes {
    month_first: [
        Shape::new("%m/%d/%Y %H:%M"),
        Shape::new("%m/%d/%Y %H:%M:%S"),
        Shape::new("%m/%d/%Y"),
    ],
    day_first: [
        Shape::new("%d/%m/%Y %H:%M"),
        Shape::new("%d/%m/%Y %H:%M:%S"),
        Shape::new("%d/%m/%Y"),
    ],
    iso: [
        Shape::new("%Y-%m-%d %H:%M:%S"),
        Shape::new("%Y-%m-%dT%H:%M:%S"),
        Shape::new("%Y-%m-%d %H:%M"),
        Shape::new("%Y-%m-%dT%H:%M"),
        Shape::new("%Y-%m-%d %H:%M:%S%.f"),
        Shape::new("%Y-%m-%dT%H:%M:%S%.f"),
    ],
    iso_date: Shape::new("%Y-%m-%d"),
});

/// `YYYY-MM-DD HH:MM:SS`, to the second (written directly: a format string is parsed anew on
/// every call).
fn local_text(t: NaiveDateTime) -> String {
    use chrono::Timelike;
    format!(
        "{} {:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_counted_within_an_order_and_shapes_parse() {
        let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut repeats = Repeats::default();
        assert!(!repeats.note("A".into(), &row(&["A", "x", "1"])));
        assert!(repeats.note("A".into(), &row(&["A", "x", "1"])));
        assert!(!repeats.note("A".into(), &row(&["A", "x", "2"])));
        // The same row in another order is not a repeat, nor is it when its order comes back.
        assert!(!repeats.note("B".into(), &row(&["A", "x", "1"])));
        assert!(!repeats.note("A".into(), &row(&["A", "x", "1"])));
        assert!(repeats.note("A".into(), &row(&["A", "x", "1"])));
        assert_eq!(repeats.count(), 2);
        // Every shape's format string is valid (an invalid one would accept nothing).
        let shapes = &*SHAPES;
        for shape in shapes
            .month_first
            .iter()
            .chain(&shapes.day_first)
            .chain(&shapes.iso)
        {
            assert!(shape.0.is_some());
        }
        assert!(shapes.iso_date.0.is_some());
    }

    #[test]
    fn a_shape_reads_what_parse_from_str_reads() {
        let formats = [
            "%m/%d/%Y %H:%M",
            "%m/%d/%Y %H:%M:%S",
            "%m/%d/%Y",
            "%d/%m/%Y %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d",
        ];
        let inputs = [
            "12/1/2010 8:26",
            "12/01/2010 08:26:59",
            "1/2/2011  8:26",
            " 12/1/2010 8:26",
            "12/1/2010 8:26 ",
            "13/1/2010 8:26",
            "2/30/2011",
            "2/29/2012",
            "12/1/2010 25:00",
            "12/1/2010",
            "2011-12-09 12:50:00",
            "2011-12-09T12:50:00.123",
            "2011-12-09",
            "2011-12-09 12:50",
            "",
            "x",
        ];
        for format in formats {
            let shape = Shape::new(format);
            for raw in inputs {
                assert_eq!(
                    shape.date_time(raw),
                    NaiveDateTime::parse_from_str(raw, format).ok(),
                    "{format} {raw:?}"
                );
                assert_eq!(
                    shape.date(raw),
                    NaiveDate::parse_from_str(raw, format).ok(),
                    "{format} {raw:?}"
                );
            }
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    const RETAIL_HEADER: &[&str] = &[
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ];

    #[test]
    fn recognises_the_online_retail_header_and_its_variants() {
        assert_eq!(
            detect(&strings(RETAIL_HEADER), FormatChoice::Auto)
                .unwrap()
                .kind,
            FileKind::Transactions
        );
        // Online Retail II spells some columns differently.
        let ii = strings(&[
            "Invoice",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "Price",
            "Customer ID",
            "Country",
        ]);
        assert_eq!(
            detect(&ii, FormatChoice::Auto).unwrap().kind,
            FileKind::Transactions
        );
        let shouty = strings(&[
            "INVOICE_NO",
            " stock code ",
            "quantity",
            "invoice date",
            "unit price",
        ]);
        assert_eq!(
            detect(&shouty, FormatChoice::Auto).unwrap().kind,
            FileKind::Transactions
        );
    }

    #[test]
    fn recognises_each_star_file_catalog_and_competitor_prices() {
        let kind = |h: &[&str]| detect(&strings(h), FormatChoice::Auto).unwrap().kind;
        assert_eq!(
            kind(&["customer_id", "name", "email", "location"]),
            FileKind::StarCustomers
        );
        assert_eq!(
            kind(&["product_id", "name", "category", "price"]),
            FileKind::StarProducts
        );
        assert_eq!(
            kind(&[
                "transaction_id",
                "customer_id",
                "product_id",
                "quantity",
                "price",
                "timestamp"
            ]),
            FileKind::StarSales
        );
        assert_eq!(
            kind(&["sku", "name", "category", "price", "cost", "on_hand"]),
            FileKind::Catalog
        );
        assert_eq!(
            kind(&["sku", "competitor", "price", "shipping"]),
            FileKind::Competitor
        );
    }

    #[test]
    fn an_unknown_header_lists_what_was_found_and_what_is_expected() {
        let err = detect(&strings(&["date", "amount"]), FormatChoice::Auto).unwrap_err();
        assert!(err.contains("Found columns: date, amount"), "{err}");
        assert!(
            err.contains("transaction log: InvoiceNo, StockCode, [Description], Quantity"),
            "{err}"
        );
        assert!(
            err.contains("competitor prices: sku, competitor, price"),
            "{err}"
        );
        // Asking for one format narrows both the match and the message.
        let err = detect(&strings(RETAIL_HEADER), FormatChoice::Catalog).unwrap_err();
        assert!(!err.contains("transaction log"), "{err}");
    }

    #[test]
    fn parses_a_row_into_a_staged_record() {
        let layout = detect(&strings(RETAIL_HEADER), FormatChoice::Auto).unwrap();
        let parser = RowParser::new(
            layout,
            DateOrder::MonthFirst,
            ValueLimits::default(),
            today(),
        );
        let row = strings(&[
            "536365",
            "85123A",
            "WHITE HANGING HEART",
            "6",
            "12/1/2010 8:26",
            "2.55",
            "17850",
            "United Kingdom",
        ]);
        assert_eq!(
            parser.parse(2, &row).unwrap(),
            strings(&[
                "2",
                "536365",
                "85123A",
                "WHITE HANGING HEART",
                "6",
                "2010-12-01 08:26:00",
                "2.55",
                "17850",
                "United Kingdom"
            ])
        );
        let guest = strings(&[
            "C536379",
            "D",
            "Discount",
            "-1",
            "12/1/2010 9:41",
            "27.50",
            "",
            "United Kingdom",
        ]);
        assert_eq!(parser.parse(3, &guest).unwrap()[7], "");
    }

    #[test]
    fn bad_values_are_rejected_with_line_column_and_reason() {
        let layout = detect(&strings(RETAIL_HEADER), FormatChoice::Auto).unwrap();
        let parser = RowParser::new(
            layout,
            DateOrder::MonthFirst,
            ValueLimits::default(),
            today(),
        );
        let row = |qty: &str, date: &str, price: &str| {
            strings(&["1", "A", "x", qty, date, price, "", "UK"])
        };
        let err = parser
            .parse(1042, &row("abc", "12/1/2010 8:26", "1"))
            .unwrap_err();
        assert_eq!(
            err,
            Rejection {
                line: 1042,
                column: Some("Quantity".into()),
                reason: "Quantity 'abc' is not a number".into()
            }
        );
        assert!(parser
            .parse(7, &row("1.5", "12/1/2010 8:26", "1"))
            .unwrap_err()
            .reason
            .contains("not a whole number"));
        assert!(parser
            .parse(7, &row("1", "12/1/2010 8:26", "£2.55"))
            .unwrap_err()
            .reason
            .contains("no currency sign"));
        let bad_date = parser
            .parse(7, &row("1", "13/1/2010 8:26", "1"))
            .unwrap_err();
        assert!(
            bad_date
                .reason
                .contains("not a valid month-first (M/D/YYYY) date"),
            "{}",
            bad_date.reason
        );
        assert!(bad_date.reason.contains("day-first"), "{}", bad_date.reason);
        let empty = parser
            .parse(7, &strings(&["", "A", "x", "1", "2010-12-01", "1", "", ""]))
            .unwrap_err();
        assert_eq!(empty.reason, "InvoiceNo is empty");
        // Whole numbers written by spreadsheets are fine.
        assert_eq!(
            parser
                .parse(8, &row("6.0", "2010-12-01 08:26:00", "2.5"))
                .unwrap()[4],
            "6"
        );
    }

    #[test]
    fn date_order_is_guessed_from_the_rows() {
        let layout = detect(&strings(RETAIL_HEADER), FormatChoice::Auto).unwrap();
        let row = |d: &str| strings(&["1", "A", "x", "1", d, "1", "", ""]);
        let mut parser = RowParser::new(
            layout.clone(),
            DateOrder::Auto,
            ValueLimits::default(),
            today(),
        );
        assert_eq!(
            parser.settle_date_order(&[row("1/2/2011 10:00"), row("25/12/2011 10:00")]),
            DateOrder::DayFirst
        );
        let mut parser = RowParser::new(
            layout.clone(),
            DateOrder::Auto,
            ValueLimits::default(),
            today(),
        );
        assert_eq!(
            parser.settle_date_order(&[row("12/25/2011 10:00")]),
            DateOrder::MonthFirst
        );
        let mut parser =
            RowParser::new(layout, DateOrder::DayFirst, ValueLimits::default(), today());
        assert_eq!(
            parser.settle_date_order(&[row("12/25/2011 10:00")]),
            DateOrder::DayFirst,
            "a setting wins"
        );
    }

    #[test]
    fn timestamps_in_every_accepted_shape() {
        let ts = |s: &str, o| parse_timestamp(s, o).unwrap();
        assert_eq!(
            ts("12/9/2011 12:50", DateOrder::MonthFirst),
            "2011-12-09 12:50:00"
        );
        assert_eq!(
            ts("9/12/2011 12:50", DateOrder::DayFirst),
            "2011-12-09 12:50:00"
        );
        assert_eq!(ts("09.12.2011", DateOrder::DayFirst), "2011-12-09 00:00:00");
        assert_eq!(
            ts("09-12-2011 07:05:09", DateOrder::DayFirst),
            "2011-12-09 07:05:09"
        );
        assert_eq!(
            ts("2011-12-09 12:50", DateOrder::Auto),
            "2011-12-09 12:50:00"
        );
        assert_eq!(ts("2011-12-09", DateOrder::DayFirst), "2011-12-09 00:00:00");
        assert_eq!(
            ts("2011-12-09T12:50:00", DateOrder::Auto),
            "2011-12-09 12:50:00"
        );
        assert_eq!(
            ts("2011-12-09T12:50:00Z", DateOrder::Auto),
            "2011-12-09T12:50:00+00:00"
        );
        assert_eq!(
            ts("2011-12-09 12:50:00.250", DateOrder::Auto),
            "2011-12-09 12:50:00"
        );
        assert!(parse_timestamp("yesterday", DateOrder::Auto)
            .unwrap_err()
            .contains("is not a date"));
        assert!(parse_timestamp("2/30/2011", DateOrder::MonthFirst).is_err());
        assert!(parse_timestamp("0000-01-01 10:00", DateOrder::Auto)
            .unwrap_err()
            .contains("year outside"));
    }
}
