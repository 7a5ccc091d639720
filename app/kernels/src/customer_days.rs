//! The in-memory copy of the per-customer-day rollup (`daily_customer_sales`) and of each
//! customer's first order day and country (`customer_summary`), and its passes: the customers
//! who bought in a range and slice, summed, counted or split into new and returning. `app`
//! (`dashboard::customer_days`) loads it from PostgreSQL, keeps it at the data version and runs
//! these passes; they are here so that every build of the server runs them optimised (they read
//! ~480k rows for 90 days at 10M order lines), as is the reading of its rows: `app` runs the
//! `COPY … TO STDOUT` statements and hands their output to `Loading` (a whole copy, 3.9M rows at
//! 10M order lines) or `Changes` (the days a change touched), which read it (`copy_text`).
//!
//! Each customer's sums over every day held are kept as well, with every change of a day: a
//! range that covers every day with no slice ("all time", 3.8M rows at 10M order lines) reads
//! those instead of adding up the rows. Each customer also lists the days holding a row of
//! theirs, and a day's rows are ordered by customer, so the sums of a changed day's customers
//! are added up again from their own rows instead of a pass over every row.
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use fixedbitset::FixedBitSet;
use rust_decimal::Decimal;

pub use crate::copy_text::CopyError;
use crate::copy_text::{Fields, Lines};

/// The days of a range, both included (`from` after `to`: no day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The rollup's dimensions a pass keeps (each empty: any).
#[derive(Clone, Debug, Default)]
pub struct Slice {
    pub channels: Vec<String>,
    pub countries: Vec<String>,
    pub sources: Vec<i64>,
}

/// One customer's sums over a range (`customers::customer_facts` adds the scores).
pub struct Summed {
    pub customer_id: i64,
    pub orders: i64,
    pub gross: Decimal,
    pub net: Decimal,
    pub first_order: NaiveDate,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Shared, not copied per customer (a million customers all time).
    pub country: Option<Arc<str>>,
}

/// The customers who bought in a range, counted, and their net revenue split by whether their
/// first order ever falls in the range (new) or before it (returning): of `Summed`, only what the
/// Sales cards need.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Buyers {
    pub count: usize,
    pub new_net: Decimal,
    pub returning_net: Decimal,
}

impl Buyers {
    /// Counts a customer of a range starting on `from` with net revenue `net` whose first order
    /// ever was on `first_order`.
    pub fn add(&mut self, net: Decimal, first_order: NaiveDate, from: NaiveDate) {
        self.count += 1;
        if first_order >= from {
            self.new_net += net;
        } else {
            self.returning_net += net;
        }
    }
}

/// The copy: the rows and summaries as of one data version (`version`).
pub struct CustomerCopy {
    pub version: i64,
    /// Each day's rows, ordered by customer position.
    days: BTreeMap<NaiveDate, Box<[Row]>>,
    /// Customers by position (rows name a customer by its position: sums go to a slot array
    /// instead of a hash map): what a pass reads of each customer it gives, apart from what
    /// follows each change (a pass touches ~240k customers at random: 24 bytes each, not 100).
    facts: Vec<Facts>,
    /// By position as well: each customer's lifetime sums and days.
    customers: Vec<Customer>,
    positions: HashMap<i64, u32>,
    names: Names,
}

/// One `daily_customer_sales` row (its day is the map's key).
struct Row {
    customer: u32,
    channel: u32,
    country: u32,
    source_id: i64,
    orders: i64,
    gross: Decimal,
    net: Decimal,
}

struct Facts {
    customer_id: i64,
    /// From `customer_summary`, when it has the customer.
    first_order_day: Option<NaiveDate>,
    country: Option<u32>,
}

struct Customer {
    /// The sums over every day held, in every slice (kept with each change of a day): what a
    /// range that covers every day without a slice reads instead of summing the rows ("all
    /// time": over a million customers).
    lifetime: Sums,
    /// The days holding a row of the customer's, in order: what `settle` adds up again.
    days: Vec<NaiveDate>,
}

/// Channel and country names, each kept once.
#[derive(Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<Arc<str>>,
}

impl Names {
    fn id(&mut self, name: String) -> u32 {
        if let Some(&id) = self.ids.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(Arc::from(name.as_str()));
        self.ids.insert(name, id);
        id
    }

    /// The ids of names a filter lists (names never seen match nothing); `None` when it lists none.
    fn filter(&self, names: &[String]) -> Option<Vec<u32>> {
        (!names.is_empty()).then(|| {
            names
                .iter()
                .filter_map(|n| self.ids.get(n).copied())
                .collect()
        })
    }
}

/// A customer's sums over the rows of a range: 48 bytes, as a pass updates ~240k of them at
/// random (the days without an order are `NaiveDate::MAX` and `MIN` rather than `Option`s).
#[derive(Clone, Copy)]
struct Sums {
    gross: Decimal,
    net: Decimal,
    orders: i64,
    /// The first and last day with an order (`orders` of the row above zero).
    first_day: NaiveDate,
    last_day: NaiveDate,
}

impl Default for Sums {
    fn default() -> Self {
        Sums {
            gross: Decimal::ZERO,
            net: Decimal::ZERO,
            orders: 0,
            first_day: NaiveDate::MAX,
            last_day: NaiveDate::MIN,
        }
    }
}

impl Sums {
    /// Adds a row of `day` (days may come in any order).
    fn add(&mut self, day: NaiveDate, row: &Row) {
        self.orders += row.orders;
        self.gross += row.gross;
        self.net += row.net;
        if row.orders > 0 {
            self.first_day = self.first_day.min(day);
            self.last_day = self.last_day.max(day);
        }
    }

    /// The sums of a customer who ordered (returns alone are not buying).
    fn bought(&self) -> bool {
        self.orders > 0 && self.first_day <= self.last_day
    }
}

/// A customer's sums ordered as `rfm::top_by_net` orders them: the first is the least.
struct ByNet(Summed);

impl Ord for ByNet {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        crate::rfm::largest_net_first(&self.0, &other.0)
    }
}

impl PartialOrd for ByNet {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ByNet {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for ByNet {}

/// A `daily_customer_sales` row as read.
pub(crate) struct RowSql {
    pub day: NaiveDate,
    pub customer_id: i64,
    pub source_id: i64,
    pub channel: String,
    pub country: String,
    pub orders: i64,
    pub gross: Decimal,
    pub net: Decimal,
}

/// What the rows are read from: `COPY (select {ROW_COLUMNS} from daily_customer_sales …) TO
/// STDOUT` (the day as its number of days since 1970, see `copy_text`).
pub const ROW_COLUMNS: &str =
    "day - date '1970-01-01', customer_id, source_id, channel, country, orders, gross, net";

impl RowSql {
    fn read(f: &mut Fields<'_>) -> Result<RowSql, String> {
        Ok(RowSql {
            day: f.day()?,
            customer_id: f.int()?,
            source_id: f.int()?,
            channel: f.text()?,
            country: f.text()?,
            orders: f.int()?,
            gross: f.decimal()?,
            net: f.decimal()?,
        })
    }
}

/// A `customer_summary` row as read.
pub(crate) struct SummarySql {
    pub customer_id: i64,
    pub first_order_day: NaiveDate,
    pub country: Option<String>,
}

/// What the summaries are read from: `COPY (select {SUMMARY_COLUMNS} from customer_summary …)
/// TO STDOUT`.
pub const SUMMARY_COLUMNS: &str = "customer_id, first_order_day - date '1970-01-01', country";

impl SummarySql {
    fn read(f: &mut Fields<'_>) -> Result<SummarySql, String> {
        Ok(SummarySql {
            customer_id: f.int()?,
            first_order_day: f.day()?,
            country: f.text_or_null()?,
        })
    }
}

/// A copy loaded whole: the rows' `COPY` output chunk by chunk as it arrives (the rows in any
/// order), then the summaries', then `done`.
pub struct Loading {
    copy: CustomerCopy,
    by_day: BTreeMap<NaiveDate, Vec<Row>>,
    rows: Lines,
    summaries: Lines,
}

impl Loading {
    /// An empty copy of data version `version`.
    pub fn new(version: i64) -> Self {
        Loading {
            copy: CustomerCopy::empty(version),
            by_day: BTreeMap::new(),
            rows: Lines::default(),
            summaries: Lines::default(),
        }
    }

    /// Adds the rows of a chunk of the rows' `COPY` output (`ROW_COLUMNS`).
    pub fn read_rows(&mut self, chunk: &[u8]) -> Result<(), CopyError> {
        let (copy, by_day) = (&mut self.copy, &mut self.by_day);
        self.rows.each(chunk, |f| {
            copy.add_row(by_day, RowSql::read(f)?);
            Ok(())
        })
    }

    /// Adds the summaries of a chunk of the summaries' `COPY` output (`SUMMARY_COLUMNS`), once
    /// every row is in.
    pub fn read_summaries(&mut self, chunk: &[u8]) -> Result<(), CopyError> {
        let copy = &mut self.copy;
        self.summaries.each(chunk, |f| {
            copy.add_summary(SummarySql::read(f)?);
            Ok(())
        })
    }

    /// How many rows were read.
    pub fn rows(&self) -> u64 {
        self.rows.count()
    }

    /// The copy holding every row and summary read.
    pub fn done(self) -> CustomerCopy {
        let mut copy = self.copy;
        // A new copy: no day is replaced, no lifetime sum goes stale.
        copy.add_days(self.by_day, &mut Vec::new());
        copy
    }
}

/// A change to a copy held: every row of the days it names and the summaries stamped after the
/// version held, read from their `COPY` output as `Loading` reads a whole copy.
#[derive(Default)]
pub struct Changes {
    rows: Vec<RowSql>,
    summaries: Vec<SummarySql>,
    row_lines: Lines,
    summary_lines: Lines,
}

impl Changes {
    pub fn read_rows(&mut self, chunk: &[u8]) -> Result<(), CopyError> {
        let rows = &mut self.rows;
        self.row_lines.each(chunk, |f| {
            rows.push(RowSql::read(f)?);
            Ok(())
        })
    }

    pub fn read_summaries(&mut self, chunk: &[u8]) -> Result<(), CopyError> {
        let summaries = &mut self.summaries;
        self.summary_lines.each(chunk, |f| {
            summaries.push(SummarySql::read(f)?);
            Ok(())
        })
    }
}

impl CustomerCopy {
    fn empty(version: i64) -> Self {
        CustomerCopy {
            version,
            days: BTreeMap::new(),
            facts: Vec::new(),
            customers: Vec::new(),
            positions: HashMap::new(),
            names: Names::default(),
        }
    }

    /// Replaces the given days with the rows read (a day without rows is gone) and keeps the
    /// summaries read.
    pub fn apply(&mut self, days: &[NaiveDate], changes: Changes) {
        self.replace(days, changes.rows, changes.summaries);
    }

    fn replace(&mut self, days: &[NaiveDate], rows: Vec<RowSql>, summaries: Vec<SummarySql>) {
        let mut stale = Vec::new();
        let mut by_day = BTreeMap::new();
        for r in rows {
            self.add_row(&mut by_day, r);
        }
        // A day left without rows goes; a day with rows is compared with the one held.
        for day in days {
            if !by_day.contains_key(day) {
                self.drop_day(*day, &mut stale);
            }
        }
        self.add_days(by_day, &mut stale);
        for s in summaries {
            self.add_summary(s);
        }
        self.settle(stale);
    }

    /// Takes a day's rows out of the copy; the lifetime sums of its customers are `stale` until
    /// `settle` adds them up again.
    fn drop_day(&mut self, day: NaiveDate, stale: &mut Vec<u32>) {
        if let Some(rows) = self.days.remove(&day) {
            for customer in distinct_customers(&rows) {
                self.release_day(customer, day);
                stale.push(customer);
            }
        }
    }

    /// The lifetime sums of the `stale` customers, added up again from their rows of every day
    /// held (not by subtracting: a sum stays exactly what adding the rows gives, decimal places
    /// included).
    fn settle(&mut self, mut stale: Vec<u32>) {
        stale.sort_unstable();
        stale.dedup();
        for position in stale {
            let customer = &self.customers[position as usize];
            let mut lifetime = Sums::default();
            for day in &customer.days {
                let rows = &self.days[day];
                let start = rows.partition_point(|r| r.customer < position);
                let end = rows.partition_point(|r| r.customer <= position);
                for row in &rows[start..end] {
                    lifetime.add(*day, row);
                }
            }
            self.customers[position as usize].lifetime = lifetime;
        }
    }

    /// Adds a row to the rows being gathered per day.
    fn add_row(&mut self, by_day: &mut BTreeMap<NaiveDate, Vec<Row>>, r: RowSql) {
        let row = Row {
            customer: self.position(r.customer_id),
            channel: self.names.id(r.channel),
            country: self.names.id(r.country),
            source_id: r.source_id,
            orders: r.orders,
            gross: r.gross,
            net: r.net,
        };
        by_day.entry(r.day).or_default().push(row);
    }

    /// Keeps the gathered days, replacing those already held. A new day's rows are added to
    /// their customers' lifetime sums; where a day was held, only the customers whose rows of
    /// the day changed are `stale` (one new order: its customer, not every customer of its day,
    /// whose sums `settle` would add up again from all their days — 50 ms for a day of 5,800
    /// customers at 10M order lines).
    fn add_days(&mut self, by_day: BTreeMap<NaiveDate, Vec<Row>>, stale: &mut Vec<u32>) {
        for (day, mut rows) in by_day {
            // By the whole key: a customer's rows compare in the same order however they came.
            rows.sort_by(|a, b| {
                (a.customer, a.source_id, a.channel, a.country).cmp(&(
                    b.customer,
                    b.source_id,
                    b.channel,
                    b.country,
                ))
            });
            match self.days.remove(&day) {
                None => {
                    for row in &rows {
                        self.customers[row.customer as usize].lifetime.add(day, row);
                    }
                    for customer in distinct_customers(&rows) {
                        self.hold_day(customer, day);
                    }
                }
                Some(held) => {
                    for (customer, before, after) in by_customer(&held, &rows) {
                        if before.len() == after.len()
                            && before.iter().zip(after).all(|(a, b)| a.same(b))
                        {
                            continue;
                        }
                        stale.push(customer);
                        if after.is_empty() {
                            self.release_day(customer, day);
                        } else if before.is_empty() {
                            self.hold_day(customer, day);
                        }
                    }
                }
            }
            self.days.insert(day, rows.into_boxed_slice());
        }
    }

    /// Adds `day` to the days holding a row of the customer's.
    fn hold_day(&mut self, customer: u32, day: NaiveDate) {
        let days = &mut self.customers[customer as usize].days;
        // Days mostly come in order (a whole load): then this is a push.
        match days.last() {
            Some(last) if *last >= day => {
                if let Err(at) = days.binary_search(&day) {
                    days.insert(at, day);
                }
            }
            _ => days.push(day),
        }
    }

    /// Takes `day` out of the days holding a row of the customer's.
    fn release_day(&mut self, customer: u32, day: NaiveDate) {
        let days = &mut self.customers[customer as usize].days;
        if let Ok(at) = days.binary_search(&day) {
            days.remove(at);
        }
    }

    fn add_summary(&mut self, s: SummarySql) {
        let country = s.country.map(|c| self.names.id(c));
        let position = self.position(s.customer_id) as usize;
        let facts = &mut self.facts[position];
        facts.first_order_day = Some(s.first_order_day);
        facts.country = country;
    }

    /// A customer's position, given on first sight.
    fn position(&mut self, customer_id: i64) -> u32 {
        *self.positions.entry(customer_id).or_insert_with(|| {
            self.facts.push(Facts {
                customer_id,
                first_order_day: None,
                country: None,
            });
            self.customers.push(Customer {
                lifetime: Sums::default(),
                days: Vec::new(),
            });
            (self.customers.len() - 1) as u32
        })
    }

    /// The sums per customer over a range and slice (see `app`'s `CustomerDays::summed`).
    pub fn summed(&self, range: Span, filter: &Slice) -> Vec<Summed> {
        let mut summed = Vec::new();
        self.each_bought(range, filter, |position, s| {
            summed.push(self.summed_one(position, s))
        });
        summed
    }

    /// The `n` customers `summed` would give with the largest net revenue, largest first (ties
    /// by customer id, as `rfm::top_by_net`): the top customers, without gathering everyone's
    /// sums to pick them (~240k for 90 days at 10M order lines).
    pub fn top_by_net(&self, range: Span, filter: &Slice, n: usize) -> Vec<Summed> {
        // The best `n` so far, the weakest of them on top.
        let mut best: BinaryHeap<ByNet> = BinaryHeap::with_capacity(n);
        if n > 0 {
            self.each_bought(range, filter, |position, s| {
                // Most customers fall short of the weakest held on net revenue alone: their
                // facts (a read from memory each) are not looked up.
                if best.len() == n && best.peek().is_some_and(|weakest| s.net < weakest.0.net) {
                    return;
                }
                let candidate = ByNet(self.summed_one(position, s));
                if best.len() < n {
                    best.push(candidate);
                } else if let Some(mut weakest) = best.peek_mut() {
                    if candidate < *weakest {
                        *weakest = candidate;
                    }
                }
            });
        }
        best.into_sorted_vec().into_iter().map(|c| c.0).collect()
    }

    /// The `Summed` of the customer at `position`, whose sums over a range are `s`.
    fn summed_one(&self, position: u32, s: &Sums) -> Summed {
        let facts = &self.facts[position as usize];
        Summed {
            customer_id: facts.customer_id,
            orders: s.orders,
            gross: s.gross,
            net: s.net,
            first_order: self.first_order(position, s),
            first_day: s.first_day,
            last_day: s.last_day,
            country: facts
                .country
                .map(|id| self.names.names[id as usize].clone()),
        }
    }

    /// Without summing each customer: who bought is a bit per customer (150 KB for a million,
    /// where the sums of `sum_days` are 48 bytes each, updated at random: 60–70 ms for 90 days at
    /// 10M order lines), and the new / returning split of net revenue is linear, so each row's
    /// net is added to one of the two once its customer is known to have bought.
    pub fn buyers(&self, range: Span, filter: &Slice) -> Buyers {
        let mut buyers = Buyers::default();
        if self.reads_lifetime(range, filter) {
            self.each_bought(range, filter, |position, s| {
                buyers.add(s.net, self.first_order(position, s), range.from)
            });
            return buyers;
        }
        let bought = self.bought(range, filter);
        buyers.count = bought.count_ones(..);
        // A block of customers at a time: their facts are then read from the cache.
        self.each_row_by_block(range, filter, SUM_BLOCK, |_, row| {
            if bought.contains(row.customer as usize) {
                // A customer without a summary yet first ordered on their first day with an
                // order in the range: new (`first_order`).
                let new = self.facts[row.customer as usize]
                    .first_order_day
                    .is_none_or(|first| first >= range.from);
                if new {
                    buyers.new_net += row.net;
                } else {
                    buyers.returning_net += row.net;
                }
            }
        });
        buyers
    }

    /// The customers with an order in the range and slice, a bit per position: a customer's
    /// `orders` add up their rows' (none below zero), so they bought when any row has one.
    fn bought(&self, range: Span, filter: &Slice) -> FixedBitSet {
        let mut bought = FixedBitSet::with_capacity(self.customers.len());
        if self.reads_lifetime(range, filter) {
            for (position, c) in self.customers.iter().enumerate() {
                if c.lifetime.bought() {
                    bought.insert(position);
                }
            }
        } else {
            for (_, row) in self.rows(range, filter) {
                if row.orders > 0 {
                    bought.insert(row.customer as usize);
                }
            }
        }
        bought
    }

    /// How many customers `summed` would give (without building them).
    pub fn count(&self, range: Span, filter: &Slice) -> usize {
        self.bought(range, filter).count_ones(..)
    }

    /// The net revenue of each customer `summed` would give, in no particular order (without
    /// building their sums: what the revenue concentration needs).
    pub fn nets(&self, range: Span, filter: &Slice) -> Vec<Decimal> {
        let mut nets = Vec::new();
        self.each_bought(range, filter, |_, s| nets.push(s.net));
        nets
    }

    /// The first order day of the customer at `position`, whose sums over a range are `s`: from
    /// their summary, else (no summary yet) the first day of the range with an order.
    fn first_order(&self, position: u32, s: &Sums) -> NaiveDate {
        self.facts[position as usize]
            .first_order_day
            .unwrap_or(s.first_day)
    }

    /// The customers with an order in the range and slice, by position, with their sums.
    #[cfg(test)]
    fn sums(&self, range: Span, filter: &Slice) -> Vec<(u32, Sums)> {
        let mut sums = Vec::new();
        self.each_bought(range, filter, |position, s| sums.push((position, *s)));
        sums
    }

    /// Gives `each` every customer with an order in the range and slice (by position) and
    /// their sums: the lifetime sums where the range covers every day held without a slice ("all
    /// time": a million customers read in order, with nothing gathered in between), else what
    /// `sum_days` adds up.
    fn each_bought(&self, range: Span, filter: &Slice, mut each: impl FnMut(u32, &Sums)) {
        if self.reads_lifetime(range, filter) {
            for (position, c) in self.customers.iter().enumerate() {
                if c.lifetime.bought() {
                    each(position as u32, &c.lifetime);
                }
            }
        } else {
            for (position, s) in self.sum_days(range, filter) {
                each(position, &s);
            }
        }
    }

    /// Whether the range covers every day held and no slice narrows it: then each customer's
    /// lifetime sums are the range's.
    fn reads_lifetime(&self, range: Span, filter: &Slice) -> bool {
        let every_day = match (self.days.first_key_value(), self.days.last_key_value()) {
            (Some((first, _)), Some((last, _))) => range.from <= *first && range.to >= *last,
            _ => false,
        };
        every_day
            && filter.channels.is_empty()
            && filter.countries.is_empty()
            && filter.sources.is_empty()
    }

    /// The rows of the range's days in its slice (channel, country, source), day by day.
    fn rows<'a>(
        &'a self,
        range: Span,
        filter: &Slice,
    ) -> impl Iterator<Item = (NaiveDate, &'a Row)> + 'a {
        let keep = self.keep(filter);
        self.days_in(range)
            .flat_map(|(&day, rows)| rows.iter().map(move |row| (day, row)))
            .filter(move |(_, row)| keep.keeps(row))
    }

    /// The days of a range held, in order, with their rows.
    fn days_in(&self, range: Span) -> impl Iterator<Item = (&NaiveDate, &Box<[Row]>)> {
        let days = match range.from <= range.to {
            true => Some(self.days.range(range.from..=range.to)),
            false => None,
        };
        days.into_iter().flatten()
    }

    /// Which rows a slice keeps.
    fn keep(&self, filter: &Slice) -> Keep {
        Keep {
            channels: self.names.filter(&filter.channels),
            countries: self.names.filter(&filter.countries),
            sources: (!filter.sources.is_empty()).then(|| filter.sources.clone()),
        }
    }

    /// The customers with an order in a range and slice and their sums, by adding up the rows of
    /// each day of the range.
    fn sum_days(&self, range: Span, filter: &Slice) -> Vec<(u32, Sums)> {
        self.sum_days_by_block(range, filter, SUM_BLOCK)
    }

    /// `sum_days`, `block` customer positions at a time (`each_row_by_block`): the block's
    /// slots and sums stay in the processor's cache while its rows are added up. (Added up row
    /// by row in day order, each row's slot and sums were a read from memory at random: two
    /// cache misses a row, most of a 90-day pass at 10M order lines.)
    fn sum_days_by_block(&self, range: Span, filter: &Slice, block: u32) -> Vec<(u32, Sums)> {
        const FREE: u32 = u32::MAX;
        // slot[customer position] = index into `sums` and `who`, FREE until the customer's first
        // row.
        let mut slot = vec![FREE; self.customers.len()];
        let mut sums: Vec<Sums> = Vec::new();
        let mut who: Vec<u32> = Vec::new();
        self.each_row_by_block(range, filter, block, |day, row| {
            let at = &mut slot[row.customer as usize];
            if *at == FREE {
                *at = sums.len() as u32;
                sums.push(Sums::default());
                who.push(row.customer);
            }
            let s = &mut sums[*at as usize];
            s.orders += row.orders;
            s.gross += row.gross;
            s.net += row.net;
            if row.orders > 0 {
                // A customer's days come in order.
                s.first_day = s.first_day.min(day);
                s.last_day = day;
            }
        });
        let mut bought = Vec::with_capacity(who.len());
        bought.extend(who.into_iter().zip(sums).filter(|(_, s)| s.bought()));
        bought
    }

    /// Gives `each` the rows of the range's days in its slice (as `rows`), `block` customer
    /// positions at a time and within a block day by day: each day's rows are ordered by
    /// customer position, so a block's rows are a run of every day's rows, and what a pass keeps
    /// per customer is read and written within the block's part of it.
    fn each_row_by_block(
        &self,
        range: Span,
        filter: &Slice,
        block: u32,
        mut each: impl FnMut(NaiveDate, &Row),
    ) {
        let keep = self.keep(filter);
        let days: Vec<(NaiveDate, &[Row])> = self
            .days_in(range)
            .map(|(&day, rows)| (day, &rows[..]))
            .collect();
        // Where each day's rows of the next block start.
        let mut next = vec![0; days.len()];
        let mut first = 0u32;
        while (first as usize) < self.customers.len() {
            let end = first.saturating_add(block);
            for ((day, rows), next) in days.iter().zip(&mut next) {
                let rest = &rows[*next..];
                let run = &rest[..rest.partition_point(|r| r.customer < end)];
                *next += run.len();
                for row in run.iter().filter(|row| keep.keeps(row)) {
                    each(*day, row);
                }
            }
            first = end;
        }
    }
}

/// Customer positions a pass takes at a time (`each_row_by_block`): what it keeps of them —
/// `sum_days`' slots (64 KB) and sums (~150 KB for 90 days at 10M order lines), `buyers`' facts
/// (384 KB) — fits a core's second-level cache.
const SUM_BLOCK: u32 = 1 << 14;

/// The rows a slice keeps (each `None`: any).
struct Keep {
    channels: Option<Vec<u32>>,
    countries: Option<Vec<u32>>,
    sources: Option<Vec<i64>>,
}

impl Keep {
    fn keeps(&self, row: &Row) -> bool {
        self.channels
            .as_ref()
            .is_none_or(|c| c.contains(&row.channel))
            && self
                .countries
                .as_ref()
                .is_none_or(|c| c.contains(&row.country))
            && self
                .sources
                .as_ref()
                .is_none_or(|s| s.contains(&row.source_id))
    }
}

impl Row {
    /// The same row as written: money compared with its decimal places (a sum written as 1.50
    /// instead of 1.5 is a change, as the rollup's refresh counts it).
    fn same(&self, other: &Row) -> bool {
        (
            self.customer,
            self.channel,
            self.country,
            self.source_id,
            self.orders,
        ) == (
            other.customer,
            other.channel,
            other.country,
            other.source_id,
            other.orders,
        ) && self.gross.serialize() == other.gross.serialize()
            && self.net.serialize() == other.net.serialize()
    }
}

/// Each customer of two versions of a day's rows (both ordered by customer), with their rows
/// in each (empty where they have none).
fn by_customer<'a>(before: &'a [Row], after: &'a [Row]) -> Vec<(u32, &'a [Row], &'a [Row])> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < before.len() || j < after.len() {
        let customer = match (before.get(i), after.get(j)) {
            (Some(a), Some(b)) => a.customer.min(b.customer),
            (Some(a), None) => a.customer,
            (None, Some(b)) => b.customer,
            (None, None) => break,
        };
        let i_end = i + before[i..].partition_point(|r| r.customer == customer);
        let j_end = j + after[j..].partition_point(|r| r.customer == customer);
        out.push((customer, &before[i..i_end], &after[j..j_end]));
        (i, j) = (i_end, j_end);
    }
    out
}

/// The customers of a day's rows (ordered by customer), each once.
fn distinct_customers(rows: &[Row]) -> impl Iterator<Item = u32> + '_ {
    rows.iter()
        .enumerate()
        .filter(|(i, row)| *i == 0 || rows[i - 1].customer != row.customer)
        .map(|(_, row)| row.customer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn row(
        d: &str,
        customer_id: i64,
        channel: &str,
        orders: i64,
        gross: Decimal,
        net: Decimal,
    ) -> RowSql {
        RowSql {
            day: day(d),
            customer_id,
            source_id: 1,
            channel: channel.into(),
            country: "Germany".into(),
            orders,
            gross,
            net,
        }
    }

    fn copy(rows: Vec<RowSql>, summaries: Vec<SummarySql>) -> CustomerCopy {
        let mut copy = CustomerCopy::empty(1);
        copy.replace(&[], rows, summaries);
        copy
    }

    #[test]
    fn sums_per_customer_over_the_range_and_slice() {
        let copy = copy(
            vec![
                row("2026-06-01", 1, "web", 1, dec!(10.00), dec!(10.00)),
                row("2026-06-03", 1, "shop", 2, dec!(5.50), dec!(4.50)),
                // A day with only a return: no order, but its net counts.
                row("2026-06-05", 1, "web", 0, dec!(0), dec!(-2.25)),
                // Only returns in the range: not a buying customer.
                row("2026-06-02", 2, "web", 0, dec!(0), dec!(-7.00)),
                // Outside the range.
                row("2026-07-01", 3, "web", 1, dec!(1), dec!(1)),
            ],
            vec![SummarySql {
                customer_id: 1,
                first_order_day: day("2025-01-01"),
                country: Some("Austria".into()),
            }],
        );
        let june = Span {
            from: day("2026-06-01"),
            to: day("2026-06-30"),
        };
        let all = copy.summed(june, &Slice::default());
        assert_eq!(all.len(), 1);
        // What the Sales cards read: one customer, returning (first order in 2025).
        let returning = Buyers {
            count: 1,
            new_net: dec!(0),
            returning_net: dec!(12.25),
        };
        assert_eq!(copy.buyers(june, &Slice::default()), returning);
        assert_eq!(
            copy.sums(june, &Slice::default()).len(),
            1,
            "what `count` counts"
        );
        let c = &all[0];
        assert_eq!(
            (
                c.customer_id,
                c.orders,
                c.gross,
                c.net,
                c.first_order,
                c.first_day,
                c.last_day
            ),
            (
                1,
                3,
                dec!(15.50),
                dec!(12.25),
                day("2025-01-01"),
                day("2026-06-01"),
                day("2026-06-03")
            )
        );
        assert_eq!(c.country.as_deref(), Some("Austria"));

        let web = Slice {
            channels: vec!["web".into()],
            ..Slice::default()
        };
        let got = copy.summed(june, &web);
        assert_eq!((got[0].orders, got[0].net), (1, dec!(7.75)));
        // A name never seen matches nothing; so does a source not in the data.
        let nowhere = Slice {
            countries: vec!["Atlantis".into()],
            ..Slice::default()
        };
        assert!(copy.summed(june, &nowhere).is_empty());
        let other_source = Slice {
            sources: vec![2],
            ..Slice::default()
        };
        assert!(copy.summed(june, &other_source).is_empty());
        // Without a summary the first order is the first day in the range.
        let july = Span {
            from: day("2026-07-01"),
            to: day("2026-07-01"),
        };
        let got = copy.summed(july, &Slice::default());
        assert_eq!(
            (got[0].customer_id, got[0].first_order),
            (3, day("2026-07-01"))
        );
        // ... so they count as new.
        let new = Buyers {
            count: 1,
            new_net: dec!(1),
            returning_net: dec!(0),
        };
        assert_eq!(copy.buyers(july, &Slice::default()), new);
    }

    #[test]
    fn buyers_and_count_are_what_the_summed_customers_give() {
        let summary = |customer_id, first: &str| SummarySql {
            customer_id,
            first_order_day: day(first),
            country: None,
        };
        let copy = copy(
            vec![
                row("2026-06-01", 1, "web", 1, dec!(10.00), dec!(10.00)),
                row("2026-06-03", 1, "shop", 2, dec!(5.50), dec!(4.50)),
                row("2026-06-05", 1, "web", 0, dec!(0), dec!(-2.25)),
                // A return before the customer's first order of the range: their net still
                // counts once they bought in it.
                row("2026-06-02", 2, "web", 0, dec!(0), dec!(-7.00)),
                row("2026-06-20", 2, "shop", 1, dec!(3.00), dec!(3.00)),
                row("2026-07-01", 3, "web", 1, dec!(1), dec!(1)),
                row("2026-07-02", 4, "shop", 1, dec!(8.10), dec!(6.10)),
            ],
            vec![
                summary(1, "2025-01-01"),
                summary(2, "2026-06-10"),
                summary(4, "2026-07-02"),
            ],
        );
        let range = |from: &str, to: &str| Span {
            from: day(from),
            to: day(to),
        };
        let all = Slice::default();
        // By hand: in June customer 1 returns (first order 2025) with 10.00 + 4.50 − 2.25, and
        // customer 2 is new (first order 10 June) with −7.00 + 3.00.
        let june = Buyers {
            count: 2,
            new_net: dec!(-4.00),
            returning_net: dec!(12.25),
        };
        assert_eq!(copy.buyers(range("2026-06-01", "2026-06-30"), &all), june);
        // From 11 June customer 2's first order is before the range: returning, 3.00 only.
        let late_june = Buyers {
            count: 1,
            new_net: dec!(0),
            returning_net: dec!(3.00),
        };
        assert_eq!(
            copy.buyers(range("2026-06-11", "2026-06-30"), &all),
            late_june
        );

        let one = |key: &str, value: &str| {
            let mut f = Slice::default();
            match key {
                "channel" => f.channels = vec![value.into()],
                _ => f.countries = vec![value.into()],
            }
            f
        };
        let filters = [
            all.clone(),
            one("channel", "web"),
            one("channel", "shop"),
            one("country", "Germany"),
            one("country", "Atlantis"),
            Slice {
                sources: vec![2],
                ..Slice::default()
            },
        ];
        let ranges = [
            range("2026-06-01", "2026-06-30"),
            range("2026-06-01", "2026-06-10"),
            range("2026-06-11", "2026-06-30"),
            range("2026-07-01", "2026-07-31"),
            // Every day held: the lifetime sums.
            range("2000-01-01", "2100-12-31"),
            range("2026-07-01", "2026-06-01"),
        ];
        for r in ranges {
            for f in &filters {
                let summed = copy.summed(r, f);
                let mut want = Buyers::default();
                for c in &summed {
                    want.add(c.net, c.first_order, r.from);
                }
                assert_eq!(copy.buyers(r, f), want, "{r:?} {f:?}");
                assert_eq!(copy.count(r, f), summed.len(), "{r:?} {f:?}");
            }
        }
    }

    #[test]
    fn the_top_customers_are_the_largest_nets_first_ties_by_id() {
        let copy = copy(
            vec![
                row("2026-06-01", 5, "web", 1, dec!(10.0), dec!(10.0)),
                row("2026-06-01", 2, "web", 1, dec!(10.00), dec!(10.00)),
                row("2026-06-02", 9, "web", 1, dec!(20), dec!(20)),
                row("2026-06-03", 9, "shop", 1, dec!(10), dec!(10)),
                row("2026-06-02", 1, "web", 1, dec!(1), dec!(-1)),
                row("2026-06-04", 7, "shop", 2, dec!(12), dec!(10)),
                // Only a return: not a buyer, however large.
                row("2026-06-04", 3, "web", 0, dec!(0), dec!(-50)),
                row("2026-07-01", 4, "web", 1, dec!(99), dec!(99)),
            ],
            vec![],
        );
        let june = Span {
            from: day("2026-06-01"),
            to: day("2026-06-30"),
        };
        let ids = |top: Vec<Summed>| top.iter().map(|c| c.customer_id).collect::<Vec<_>>();
        // 9 (30), then 2, 5 and 7 at 10 by id, then 1 (−1).
        let want = [9, 2, 5, 7, 1];
        for n in 0..=6 {
            assert_eq!(
                ids(copy.top_by_net(june, &Slice::default(), n)),
                want[..n.min(5)],
                "n = {n}"
            );
        }
        let top = copy.top_by_net(june, &Slice::default(), 1);
        assert_eq!(
            (top[0].orders, top[0].net, top[0].last_day),
            (2, dec!(30), day("2026-06-03"))
        );
        // The same as ordering every customer's sums, in every slice.
        let shop = Slice {
            channels: vec!["shop".into()],
            ..Slice::default()
        };
        for f in [Slice::default(), shop] {
            for n in 0..=6 {
                assert_eq!(
                    ids(copy.top_by_net(june, &f, n)),
                    ids(crate::rfm::top_by_net(copy.summed(june, &f), n)),
                    "{f:?} n = {n}"
                );
            }
        }
    }

    #[test]
    fn sums_added_up_a_block_of_customers_at_a_time_are_every_rows_sums() {
        // Seven customers over five days, two channels, returns and days without an order.
        let mut rows = Vec::new();
        for (d, date) in [
            "2026-06-01",
            "2026-06-02",
            "2026-06-04",
            "2026-06-05",
            "2026-06-09",
        ]
        .into_iter()
        .enumerate()
        {
            for customer in 1..=7i64 {
                let k = d as i64 * 7 + customer;
                if k % 3 == 0 {
                    continue;
                }
                let channel = if k % 2 == 0 { "web" } else { "shop" };
                let orders = k % 4;
                let gross = Decimal::new(k * 125, 2);
                let net = if orders == 0 {
                    -gross
                } else {
                    gross - dec!(1.5)
                };
                rows.push(row(date, customer * 10, channel, orders, gross, net));
            }
        }
        let copy = copy(rows, vec![]);
        let web = Slice {
            channels: vec!["web".into()],
            ..Slice::default()
        };
        let spans = [
            ("2026-06-01", "2026-06-09"),
            ("2026-06-02", "2026-06-04"),
            ("2026-06-05", "2026-06-05"),
            ("2026-06-06", "2026-06-08"),
        ];
        for (from, to) in spans {
            let range = Span {
                from: day(from),
                to: day(to),
            };
            for filter in [Slice::default(), web.clone()] {
                // Every row of the range and slice added to its customer, day by day.
                let mut want: BTreeMap<u32, Sums> = BTreeMap::new();
                for (day, row) in copy.rows(range, &filter) {
                    want.entry(row.customer).or_default().add(day, row);
                }
                let want = written(
                    &copy,
                    want.into_iter().filter(|(_, s)| s.bought()).collect(),
                );
                for block in [1, 2, 3, 5, SUM_BLOCK] {
                    assert_eq!(
                        written(&copy, copy.sum_days_by_block(range, &filter, block)),
                        want,
                        "{range:?} {filter:?} block {block}"
                    );
                }
            }
        }
        // By hand: customer 10 (k = 1, 8, 22, 29; k = 15 skipped) over every day: orders
        // 1 + 0 + 2 + 1, gross 1.25 + 10.00 + 27.50 + 36.25, net 1.25 − 1.5 − 10.00 + 26.00 + 34.75.
        let all = copy.sum_days(
            Span {
                from: day("2026-06-01"),
                to: day("2026-06-09"),
            },
            &Slice::default(),
        );
        assert!(written(&copy, all).contains(&"10 4 75.00 50.50 2026-06-01 2026-06-09".to_string()));
    }

    /// What a pass gives, comparable: per customer id, the sums as written (decimal places too).
    fn written(copy: &CustomerCopy, sums: Vec<(u32, Sums)>) -> Vec<String> {
        let mut out: Vec<String> = sums
            .into_iter()
            .map(|(position, s)| {
                let id = copy.facts[position as usize].customer_id;
                let (first, last) = (s.first_day, s.last_day);
                format!("{id} {} {} {} {first} {last}", s.orders, s.gross, s.net)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn lifetime_sums_are_what_adding_every_day_gives_after_any_change() {
        let mut copy = copy(
            vec![
                row("2026-06-01", 1, "web", 1, dec!(10.00), dec!(10.00)),
                row("2026-06-03", 1, "shop", 2, dec!(5.50), dec!(4.50)),
                row("2026-06-03", 2, "web", 1, dec!(7.25), dec!(7.25)),
                row("2026-06-05", 2, "web", 0, dec!(0), dec!(-2.25)),
            ],
            vec![],
        );
        let every_day = Span {
            from: day("2000-01-01"),
            to: day("2100-12-31"),
        };
        let all = Slice::default();
        let check = |copy: &CustomerCopy, what: &str| {
            assert_eq!(
                written(copy, copy.sums(every_day, &all)),
                written(copy, copy.sum_days(every_day, &all)),
                "{what}"
            );
            // Each customer lists exactly the days holding a row of theirs, in order.
            for (position, customer) in copy.customers.iter().enumerate() {
                let held: Vec<NaiveDate> = copy
                    .days
                    .iter()
                    .filter(|(_, rows)| rows.iter().any(|r| r.customer == position as u32))
                    .map(|(day, _)| *day)
                    .collect();
                assert_eq!(customer.days, held, "{what}: days of customer {position}");
            }
        };
        check(&copy, "loaded");
        assert_eq!(copy.sums(every_day, &all).len(), 2);
        // Customer 1's first day becomes a return only; a value with more decimal places.
        copy.replace(
            &[day("2026-06-01")],
            vec![row("2026-06-01", 1, "web", 0, dec!(0), dec!(-1.005))],
            vec![],
        );
        check(&copy, "a day replaced");
        // That day again without the odd value: the sums are written as before it.
        copy.replace(
            &[day("2026-06-01")],
            vec![row("2026-06-01", 1, "web", 1, dec!(10.00), dec!(10.00))],
            vec![],
        );
        check(&copy, "the day restored");
        // A day gone (its only order of customer 2 and customer 1's second day).
        copy.replace(&[day("2026-06-03")], vec![], vec![]);
        check(&copy, "a day removed");
        assert_eq!(
            copy.sums(every_day, &all).len(),
            1,
            "customer 2 only returned"
        );
        // A new customer on a day before every other, and one on a day after.
        copy.replace(
            &[day("2026-05-01"), day("2026-07-01")],
            vec![
                row("2026-05-01", 4, "web", 1, dec!(3.1), dec!(3.1)),
                row("2026-07-01", 2, "web", 3, dec!(1), dec!(1)),
            ],
            vec![],
        );
        check(&copy, "days added at both ends");
        assert_eq!(copy.sums(every_day, &all).len(), 3);
        // A day between others, with two rows of one customer around another's.
        copy.replace(
            &[day("2026-06-02")],
            vec![
                row("2026-06-02", 1, "web", 1, dec!(2.5), dec!(2.5)),
                row("2026-06-02", 4, "web", 1, dec!(4), dec!(4)),
                row("2026-06-02", 1, "shop", 2, dec!(0.75), dec!(0.25)),
            ],
            vec![],
        );
        check(&copy, "a day added between others");
        // Then only customer 4's row of it changes: customer 1 keeps both rows.
        copy.replace(
            &[day("2026-06-02")],
            vec![
                row("2026-06-02", 1, "shop", 2, dec!(0.75), dec!(0.25)),
                row("2026-06-02", 4, "web", 2, dec!(9), dec!(9)),
                row("2026-06-02", 1, "web", 1, dec!(2.5), dec!(2.5)),
            ],
            vec![],
        );
        check(&copy, "a day between others replaced");
        // The same value written with another number of decimal places is a change too.
        copy.replace(
            &[day("2026-06-02")],
            vec![
                row("2026-06-02", 1, "shop", 2, dec!(0.75), dec!(0.25)),
                row("2026-06-02", 4, "web", 2, dec!(9.000), dec!(9.0)),
                row("2026-06-02", 1, "web", 1, dec!(2.5), dec!(2.5)),
            ],
            vec![],
        );
        check(&copy, "a value's decimal places changed");
        // Customer 4 leaves the day, customer 2 comes to it; customer 1 is unchanged.
        copy.replace(
            &[day("2026-06-02")],
            vec![
                row("2026-06-02", 2, "web", 1, dec!(1.25), dec!(1.25)),
                row("2026-06-02", 1, "web", 1, dec!(2.5), dec!(2.5)),
                row("2026-06-02", 1, "shop", 2, dec!(0.75), dec!(0.25)),
            ],
            vec![],
        );
        check(&copy, "customers leaving and joining a day");
        // A range inside the days held sums its own days.
        let june = Span {
            from: day("2026-06-01"),
            to: day("2026-06-30"),
        };
        assert_eq!(copy.sums(june, &all).len(), 2);
    }
}
