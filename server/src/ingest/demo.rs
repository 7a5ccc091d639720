//! The demo shop: a seeded, deterministic generator of two years of a gift shop's trade —
//! customers in 15 countries, ~300 products in 10 categories, three channels, seasonality and
//! weekly patterns, repeat buyers and churn, guests, returns, cancellations, price changes (so
//! elasticity can be estimated), competitor prices and daily stock with stock-outs.
//!
//! Rows go in with `COPY` inside one transaction: a failed run leaves nothing behind.
use std::fmt;
use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

pub const DEFAULT_ORDERS: u64 = 40_000;
pub const DEMO_SOURCE_NAME: &str = "Demo shop";
/// Orders buffered before they are sent with COPY.
const BATCH_ORDERS: usize = 20_000;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// About how many orders (including guests, returns and cancellations).
    pub orders: u64,
    pub seed: u64,
    pub end_date: NaiveDate,
    pub days: u32,
    /// Store time zone: order times are generated as local times in it.
    pub timezone: String,
    /// Thresholds of the market signals raised once the shop is loaded.
    pub inventory: app::features::inventory::types::InventorySettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    pub customers: u64,
    pub products: u64,
    pub orders: u64,
    pub lines: u64,
    pub seconds: f64,
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = if self.seconds > 0.0 {
            self.lines as f64 / self.seconds
        } else {
            0.0
        };
        write!(
            f,
            "demo data: {} customers, {} products, {} orders, {} order lines in {:.1} s ({:.0} lines/s)",
            self.customers, self.products, self.orders, self.lines, self.seconds, rate
        )
    }
}

const CATEGORIES: [(&str, &str, &[&str]); 10] = [
    (
        "Home Decor",
        "HD",
        &[
            "Cushion",
            "Wall Clock",
            "Photo Frame",
            "Mirror",
            "Vase",
            "Doorstop",
        ],
    ),
    (
        "Kitchen",
        "KI",
        &[
            "Mug",
            "Teapot",
            "Apron",
            "Cake Tin",
            "Tea Towel",
            "Storage Jar",
        ],
    ),
    (
        "Stationery",
        "ST",
        &[
            "Notebook",
            "Pencil Set",
            "Greeting Card",
            "Wrapping Paper",
            "Journal",
            "Stickers",
        ],
    ),
    (
        "Toys & Games",
        "TG",
        &[
            "Jigsaw",
            "Spinning Top",
            "Skittles",
            "Doll",
            "Card Game",
            "Kite",
        ],
    ),
    (
        "Garden",
        "GA",
        &[
            "Plant Pot",
            "Bird Feeder",
            "Watering Can",
            "Wind Chime",
            "Seed Tin",
            "Lantern",
        ],
    ),
    (
        "Lighting",
        "LI",
        &[
            "Fairy Lights",
            "Night Light",
            "Table Lamp",
            "Tea Light Holder",
            "String Lights",
            "Lamp Shade",
        ],
    ),
    (
        "Bags & Accessories",
        "BA",
        &[
            "Tote Bag",
            "Purse",
            "Lunch Bag",
            "Umbrella",
            "Key Ring",
            "Shopping Bag",
        ],
    ),
    (
        "Party Supplies",
        "PS",
        &[
            "Bunting",
            "Paper Cups",
            "Napkins",
            "Party Bag",
            "Balloons",
            "Cake Stand",
        ],
    ),
    (
        "Candles & Fragrance",
        "CF",
        &[
            "Scented Candle",
            "Diffuser",
            "Incense Set",
            "Pillar Candle",
            "Soap Bar",
            "Wax Melts",
        ],
    ),
    (
        "Textiles",
        "TX",
        &[
            "Throw",
            "Blanket",
            "Table Cloth",
            "Hot Water Bottle",
            "Oven Glove",
            "Cushion Cover",
        ],
    ),
];
const STYLES: [&str; 10] = [
    "Vintage",
    "Regency",
    "Retro Spot",
    "Scandi",
    "Botanical",
    "Polka Dot",
    "Woodland",
    "Heart",
    "Jardin",
    "Nordic Star",
];

/// (country, weight, cities)
const COUNTRIES: [(&str, u32, &[&str]); 15] = [
    (
        "United Kingdom",
        40,
        &["London", "Manchester", "Bristol", "Leeds", "Glasgow"],
    ),
    ("Germany", 9, &["Berlin", "Hamburg", "Munich"]),
    ("France", 8, &["Paris", "Lyon", "Nantes"]),
    ("Ireland", 5, &["Dublin", "Cork"]),
    ("Netherlands", 5, &["Amsterdam", "Utrecht"]),
    ("Spain", 5, &["Madrid", "Barcelona"]),
    ("Italy", 4, &["Milan", "Rome"]),
    ("Belgium", 4, &["Brussels", "Antwerp"]),
    ("Sweden", 3, &["Stockholm", "Gothenburg"]),
    ("Denmark", 3, &["Copenhagen", "Aarhus"]),
    ("Norway", 3, &["Oslo", "Bergen"]),
    ("Switzerland", 3, &["Zurich", "Geneva"]),
    ("Poland", 3, &["Warsaw", "Krakow"]),
    ("Portugal", 3, &["Lisbon", "Porto"]),
    ("Austria", 2, &["Vienna", "Graz"]),
];
const FIRST_NAMES: [&str; 20] = [
    "Olivia", "Noah", "Amelia", "Leo", "Isla", "Oscar", "Ava", "Arthur", "Mia", "Luca", "Sofia",
    "Finn", "Emma", "Jonas", "Chloe", "Hugo", "Ines", "Lars", "Maja", "Tomas",
];
const LAST_NAMES: [&str; 20] = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Müller",
    "Schmidt",
    "Martin",
    "Bernard",
    "Murphy",
    "de Vries",
    "Garcia",
    "Rossi",
    "Peeters",
    "Johansson",
    "Nielsen",
    "Hansen",
    "Meier",
    "Nowak",
    "Silva",
    "Gruber",
];
/// (channel, weight)
const CHANNELS: [(&str, u32); 3] = [("web", 62), ("mobile app", 28), ("marketplace", 10)];
const COMPETITORS: [&str; 3] = ["MarketHub", "HomeGoods Direct", "BargainBarn"];

struct Product {
    id: i64,
    base_price: Decimal,
    popularity: f64,
    elasticity: f64,
    /// (first day index, price factor) sorted by day, promotions included.
    price_steps: Vec<(usize, f64)>,
    /// The same without promotions.
    regular_steps: Vec<(usize, f64)>,
    lead_time_days: i32,
    stock: i64,
    /// Day index a restock arrives, and its size.
    incoming: Option<(usize, i64)>,
    /// Supplier trouble: no restock from this day index on.
    no_restock_from: usize,
    /// Target days of stock after a restock (slow movers get far too much).
    cover_days: f64,
    expected_daily_units: f64,
    /// Units sold a day lately (a two-week moving average), which restocking follows: the
    /// shop grows over the years, so the average of the whole period runs short at its end.
    recent_daily_units: f64,
    /// Units sold today (for the moving average).
    sold_today: i64,
}

impl Product {
    fn price_factor(&self, day: usize) -> f64 {
        self.price_steps
            .iter()
            .take_while(|(d, _)| *d <= day)
            .last()
            .map(|(_, f)| *f)
            .unwrap_or(1.0)
    }

    fn price(&self, day: usize) -> Decimal {
        price_round(
            self.base_price * Decimal::try_from(self.price_factor(day)).unwrap_or(Decimal::ONE),
        )
    }
}

/// Shop prices end in .x5 or .x9 — more realistic than arbitrary cents.
fn price_round(value: Decimal) -> Decimal {
    let tenths = (value * Decimal::TEN).floor();
    let cents = if tenths.is_zero() {
        Decimal::new(9, 2)
    } else {
        Decimal::new(5, 2)
    };
    (tenths / Decimal::TEN + cents).round_dp(2)
}

struct Customer {
    id: i64,
    country: usize,
}

/// One planned purchase: the day index and the customer (None: guest checkout).
#[derive(Clone, Copy)]
struct Planned {
    day: u32,
    customer: Option<u32>,
}

/// Relative order volume of a day: growth over the period, seasons and weekdays.
fn day_weight(date: NaiveDate, progress: f64) -> f64 {
    const MONTH: [f64; 12] = [
        0.75, 0.72, 0.85, 0.88, 0.92, 0.88, 0.85, 0.9, 1.05, 1.15, 1.55, 1.45,
    ];
    const WEEKDAY: [f64; 7] = [1.05, 1.0, 1.02, 1.08, 0.95, 0.78, 1.12]; // Mon..Sun
    let growth = 1.0 + 0.5 * progress;
    growth * MONTH[date.month0() as usize] * WEEKDAY[date.weekday().num_days_from_monday() as usize]
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller: enough for demo noise.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn geometric(rng: &mut ChaCha8Rng, p_more: f64, cap: u32) -> u32 {
    let mut n = 1;
    while n < cap && rng.gen_bool(p_more) {
        n += 1;
    }
    n
}

/// Generates the demo data set into a new `demo` source (replacing an earlier one when `replace`).
pub async fn generate(
    pool: &PgPool,
    options: &DemoOptions,
    replace: bool,
) -> anyhow::Result<DemoReport> {
    anyhow::ensure!(options.days >= 28, "--days must be at least 28");
    anyhow::ensure!(options.orders >= 100, "--orders must be at least 100");
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    if replace {
        sqlx::query!("delete from source where kind = 'demo'")
            .execute(&mut *tx)
            .await?;
        app::rollup::customer_days_reset(&mut tx).await?;
    }
    // The rollup counts days in the store time zone; order times are written as local times in it.
    app::rollup::set_store_timezone(&mut tx, &options.timezone).await?;
    sqlx::query!("select set_config('TimeZone', $1, true)", options.timezone)
        .fetch_one(&mut *tx)
        .await?;
    let settings = serde_json::json!({ "seed": options.seed, "orders": options.orders, "end_date": options.end_date });
    let source_id = sqlx::query_scalar!(
        "insert into source (kind, name, settings) values ('demo', $1, $2) returning source_id",
        DEMO_SOURCE_NAME,
        settings
    )
    .fetch_one(&mut *tx)
    .await
    .context("a source named 'Demo shop' exists already: run `storepulse demo` to replace it")?;

    let mut generator = Generator::new(options, source_id, &mut tx).await?;
    let report = generator.run(&mut tx).await?;
    app::rollup::refresh_days(
        &mut tx,
        options.end_date - Duration::days(options.days as i64),
        options.end_date,
    )
    .await?;
    // Fresh statistics, so that the first queries after the demo load are planned on real sizes.
    sqlx::query!("analyze customer, product, sales_order, order_line")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    app::features::inventory::refresh::refresh_signals(pool, &options.inventory)
        .await
        .context("market signals of the demo shop")?;
    Ok(DemoReport {
        seconds: started.elapsed().as_secs_f64(),
        ..report
    })
}

struct Generator<'a> {
    options: &'a DemoOptions,
    rng: ChaCha8Rng,
    source_id: i64,
    first_day: NaiveDate,
    days: usize,
    products: Vec<Product>,
    next_customer_id: i64,
    next_order_id: i64,
}

impl<'a> Generator<'a> {
    async fn new(
        options: &'a DemoOptions,
        source_id: i64,
        conn: &mut PgConnection,
    ) -> anyhow::Result<Generator<'a>> {
        let next = sqlx::query!(
            r#"select (select coalesce(max(customer_id), 0) + 1 from customer) as "customer!",
                      (select coalesce(max(product_id), 0) + 1 from product) as "product!",
                      (select coalesce(max(sales_order_id), 0) + 1 from sales_order) as "sales_order!""#
        )
        .fetch_one(&mut *conn)
        .await?;
        let (next_customer_id, next_product_id, next_order_id) =
            (next.customer, next.product, next.sales_order);
        let days = options.days as usize;
        let first_day = options.end_date - Duration::days(days as i64 - 1);
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let products = make_products(&mut rng, next_product_id, days);
        Ok(Generator {
            options,
            rng,
            source_id,
            first_day,
            days,
            products,
            next_customer_id,
            next_order_id,
        })
    }

    async fn run(&mut self, conn: &mut PgConnection) -> anyhow::Result<DemoReport> {
        let day_weights: Vec<f64> = (0..self.days)
            .map(|d| {
                day_weight(
                    self.first_day + Duration::days(d as i64),
                    d as f64 / self.days as f64,
                )
            })
            .collect();
        let weight_sum: f64 = day_weights.iter().sum();

        // Expected demand per product and day, for initial stock and restocking.
        let units_per_order = 2.4 * 2.6;
        let mean_orders_per_day = self.options.orders as f64 / self.days as f64;
        let popularity_sum: f64 = self.products.iter().map(|p| p.popularity).sum();
        for p in &mut self.products {
            p.expected_daily_units =
                mean_orders_per_day * units_per_order * p.popularity / popularity_sum;
            p.recent_daily_units = p.expected_daily_units;
            p.stock = (p.expected_daily_units * p.cover_days).ceil() as i64 + 5;
        }
        self.copy_products(conn).await?;

        let (customers, plan) = self.plan_purchases(&day_weights, weight_sum);
        self.copy_customers(conn, &customers, &plan).await?;
        let (orders, lines) = self.simulate(conn, &customers, &plan).await?;
        self.copy_competitor_prices(conn).await?;
        self.finish_products(conn).await?;
        Ok(DemoReport {
            customers: customers.len() as u64,
            products: self.products.len() as u64,
            orders,
            lines,
            seconds: 0.0,
        })
    }

    /// Decides who buys on which day: customers with a loyalty class and a churn point, plus guests.
    fn plan_purchases(
        &mut self,
        day_weights: &[f64],
        weight_sum: f64,
    ) -> (Vec<Customer>, Vec<Planned>) {
        let rng = &mut self.rng;
        let days = self.days;
        let target = self.options.orders as f64;
        let guest_share = 0.12;
        let day_index = WeightedIndex::new(day_weights).expect("positive day weights");
        let country_index = WeightedIndex::new(COUNTRIES.iter().map(|c| c.1)).expect("weights");
        // Acquisition leans to the first year so that later months show the fall seen in practice.
        let acquisition_weights: Vec<f64> = day_weights
            .iter()
            .enumerate()
            .map(|(d, w)| w * (1.35 - 0.7 * d as f64 / days as f64))
            .collect();
        let acquisition_index = WeightedIndex::new(&acquisition_weights).expect("weights");
        let _ = weight_sum;

        let mut customers = Vec::new();
        let mut plan = Vec::with_capacity(self.options.orders as usize + 1024);
        let identified_target = (target * (1.0 - guest_share)) as usize;
        while plan.len() < identified_target {
            let id = customers.len() as u32;
            let country = country_index.sample(rng);
            customers.push(Customer {
                id: self.next_customer_id + id as i64,
                country,
            });
            let first = acquisition_index.sample(rng);
            // One-time 50%, occasional 35%, regular 15%.
            let class: f64 = rng.gen();
            let (orders, mean_gap) = if class < 0.5 {
                (1, 0.0)
            } else if class < 0.85 {
                (rng.gen_range(2..=4), rng.gen_range(45.0..120.0))
            } else {
                (rng.gen_range(5..=24), rng.gen_range(12.0..40.0))
            };
            let mut day = first as f64;
            for n in 0..orders {
                if n > 0 {
                    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                    day += (-u.ln() * mean_gap).max(1.0);
                }
                if day as usize >= days {
                    break;
                }
                plan.push(Planned {
                    day: day as u32,
                    customer: Some(id),
                });
            }
        }
        let guests = (target * guest_share) as usize;
        for _ in 0..guests {
            plan.push(Planned {
                day: day_index.sample(rng) as u32,
                customer: None,
            });
        }
        plan.sort_by_key(|p| p.day);
        (customers, plan)
    }

    async fn copy_products(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for (i, p) in self.products.iter().enumerate() {
            let (category, code, nouns) = CATEGORIES[i % CATEGORIES.len()];
            let style = STYLES[(i / CATEGORIES.len()) % STYLES.len()];
            let noun = nouns[(i / (CATEGORIES.len() * STYLES.len()) + i) % nouns.len()];
            let sku = format!("SP-{code}-{:04}", i + 1);
            // 62–87% of the lowest regular price (promotions may sell under cost), and under the
            // final price.
            let lowest = p
                .regular_steps
                .iter()
                .map(|s| s.1)
                .fold(1.0, f64::min)
                .min(p.price_factor(self.days - 1));
            let cost = (p.base_price
                * Decimal::try_from(lowest * (0.62 + 0.25 * ((i * 37 % 100) as f64 / 100.0)))
                    .unwrap_or(Decimal::ONE))
            .round_dp(2);
            w.write_record([
                p.id.to_string(),
                self.source_id.to_string(),
                sku.clone(),
                sku,
                format!("{style} {noun}"),
                category.to_string(),
                p.base_price.to_string(),
                cost.to_string(),
                p.lead_time_days.to_string(),
            ])?;
        }
        copy(conn, "copy product (product_id, source_id, external_id, sku, name, category, list_price, unit_cost, lead_time_days) from stdin (format csv)", w).await
    }

    async fn copy_customers(
        &mut self,
        conn: &mut PgConnection,
        customers: &[Customer],
        plan: &[Planned],
    ) -> anyhow::Result<()> {
        let mut first_day = vec![u32::MAX; customers.len()];
        for p in plan {
            if let Some(c) = p.customer {
                first_day[c as usize] = first_day[c as usize].min(p.day);
            }
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        for (c, first) in customers.iter().zip(first_day) {
            let n = (c.id - self.next_customer_id) as usize;
            let first_name = FIRST_NAMES[n % FIRST_NAMES.len()];
            let last_name = LAST_NAMES[(n / FIRST_NAMES.len() + n * 7) % LAST_NAMES.len()];
            let (country, _, cities) = COUNTRIES[c.country];
            let city = cities[n % cities.len()];
            let email = format!(
                "{}.{}{}@example.com",
                first_name.to_lowercase(),
                last_name.to_lowercase().replace(' ', ""),
                n
            );
            let first_seen = (first != u32::MAX)
                .then(|| format!("{} 00:00:00", self.first_day + Duration::days(first as i64)));
            w.write_record([
                c.id.to_string(),
                self.source_id.to_string(),
                format!("C{:06}", n + 1),
                format!("{first_name} {last_name}"),
                email,
                country.to_string(),
                city.to_string(),
                first_seen.unwrap_or_default(),
            ])?;
        }
        self.next_customer_id += customers.len() as i64;
        copy(conn, "copy customer (customer_id, source_id, external_id, name, email, country, city, first_seen_at) from stdin (format csv)", w).await
    }

    /// Walks day by day: restocks arrive, orders take stock (skipping sold-out products), returns
    /// come back some days after their order; stock is snapshotted every evening.
    async fn simulate(
        &mut self,
        conn: &mut PgConnection,
        customers: &[Customer],
        plan: &[Planned],
    ) -> anyhow::Result<(u64, u64)> {
        let channel_index = WeightedIndex::new(CHANNELS.iter().map(|c| c.1)).expect("weights");
        let country_index = WeightedIndex::new(COUNTRIES.iter().map(|c| c.1)).expect("weights");
        let hour_weights: [u32; 24] = [
            1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 11, 12, 11, 10, 9, 9, 10, 12, 13, 12, 9, 5, 2,
        ];
        let hour_index = WeightedIndex::new(hour_weights).expect("weights");

        let mut orders_csv = csv::Writer::from_writer(Vec::new());
        let mut lines_csv = csv::Writer::from_writer(Vec::new());
        let mut stock_csv = csv::Writer::from_writer(Vec::new());
        let mut buffered = 0usize;
        let (mut order_count, mut line_count) = (0u64, 0u64);
        // Returns waiting for their day: (day, customer, country, channel, product index, quantity, price).
        type PendingReturn = (usize, Option<u32>, usize, usize, usize, i64, Decimal);
        let mut pending_returns: Vec<PendingReturn> = Vec::new();
        let mut cursor = 0;

        for day in 0..self.days {
            let date = self.first_day + Duration::days(day as i64);
            for p in &mut self.products {
                if let Some((arrives, units)) = p.incoming {
                    if arrives == day {
                        p.stock += units;
                        p.incoming = None;
                    }
                }
            }
            let weights: Vec<f64> = self
                .products
                .iter()
                .map(|p| {
                    if p.stock > 0 {
                        p.popularity * p.price_factor(day).powf(p.elasticity)
                    } else {
                        0.0
                    }
                })
                .collect();
            let product_index = WeightedIndex::new(&weights).ok();

            // (customer, country, channel, hour, lines as (product, quantity, price), cancelled)
            type DayOrder = (
                Option<u32>,
                usize,
                usize,
                usize,
                Vec<(usize, i64, Decimal)>,
                bool,
            );
            let mut todays: Vec<DayOrder> = Vec::new();
            while cursor < plan.len() && plan[cursor].day as usize == day {
                let planned = plan[cursor];
                cursor += 1;
                let Some(product_index) = &product_index else {
                    continue;
                };
                let country = match planned.customer {
                    Some(c) => customers[c as usize].country,
                    None => country_index.sample(&mut self.rng),
                };
                let channel = channel_index.sample(&mut self.rng);
                let hour = hour_index.sample(&mut self.rng);
                let wholesale = self.rng.gen_bool(0.03);
                let n_lines = geometric(&mut self.rng, 0.58, 12) as usize;
                let mut lines: Vec<(usize, i64, Decimal)> = Vec::with_capacity(n_lines);
                for _ in 0..n_lines {
                    let pi = product_index.sample(&mut self.rng);
                    if lines.iter().any(|l| l.0 == pi) {
                        continue;
                    }
                    let mut qty = geometric(&mut self.rng, 0.55, 10) as i64;
                    if wholesale {
                        qty *= 12;
                    }
                    let p = &self.products[pi];
                    qty = qty.min(p.stock);
                    if qty <= 0 {
                        continue;
                    }
                    lines.push((pi, qty, p.price(day)));
                }
                if lines.is_empty() {
                    continue;
                }
                let cancelled = self.rng.gen_bool(0.02);
                if !cancelled {
                    for (pi, qty, _) in &lines {
                        self.products[*pi].stock -= qty;
                        self.products[*pi].sold_today += qty;
                    }
                    // About 6% of orders send one line (part of it) back within three weeks.
                    if self.rng.gen_bool(0.06) {
                        let (pi, qty, price) = lines[self.rng.gen_range(0..lines.len())];
                        let back = self.rng.gen_range(1..=qty);
                        let on = day + self.rng.gen_range(2..=21);
                        if on < self.days {
                            pending_returns.push((
                                on,
                                planned.customer,
                                country,
                                channel,
                                pi,
                                back,
                                price,
                            ));
                        }
                    }
                }
                todays.push((planned.customer, country, channel, hour, lines, cancelled));
            }

            for (customer, country, channel, hour, lines, cancelled) in todays {
                let minute = self.rng.gen_range(0..60);
                self.write_order(
                    &mut orders_csv,
                    &mut lines_csv,
                    customers,
                    customer,
                    country,
                    channel,
                    date,
                    hour,
                    minute,
                    &lines,
                    if cancelled { "cancelled" } else { "completed" },
                    "SO",
                )?;
                order_count += 1;
                line_count += lines.len() as u64;
                buffered += 1;
            }
            let (due, later): (Vec<_>, Vec<_>) =
                pending_returns.into_iter().partition(|r| r.0 == day);
            pending_returns = later;
            for (_, customer, country, channel, pi, qty, price) in due {
                self.products[pi].stock += qty;
                let hour = hour_index.sample(&mut self.rng);
                self.write_order(
                    &mut orders_csv,
                    &mut lines_csv,
                    customers,
                    customer,
                    country,
                    channel,
                    date,
                    hour,
                    0,
                    &[(pi, -qty, price)],
                    "completed",
                    "RT",
                )?;
                order_count += 1;
                line_count += 1;
                buffered += 1;
            }

            // A well-run shop: it reorders when the stock covers twice the lead time and two
            // weeks (at the higher of the planned and the recent rate), up to two months beyond
            // the lead time, so that a delivery arrives with a margin; what runs out is
            // a supplier's trouble or a sudden run on a product. (Reordering late, as this did
            // before, left 185 of the 300 products low on the last day: hundreds of signals.)
            for p in &mut self.products {
                p.recent_daily_units += (p.sold_today as f64 - p.recent_daily_units) / 14.0;
                p.sold_today = 0;
                let rate = p.expected_daily_units.max(p.recent_daily_units);
                let lead = p.lead_time_days as f64;
                let reorder_point = rate * (2.0 * lead + 14.0);
                if p.incoming.is_none()
                    && (p.stock as f64) < reorder_point
                    && day < p.no_restock_from
                {
                    let up_to = (rate * (lead + 60.0)).ceil() as i64 + 10;
                    let units = (up_to - p.stock.max(0)).max(10);
                    p.incoming = Some((day + p.lead_time_days as usize, units));
                }
                stock_csv.write_record([
                    p.id.to_string(),
                    date.to_string(),
                    p.stock.max(0).to_string(),
                ])?;
            }

            if buffered >= BATCH_ORDERS || day + 1 == self.days {
                let orders =
                    std::mem::replace(&mut orders_csv, csv::Writer::from_writer(Vec::new()));
                let lines = std::mem::replace(&mut lines_csv, csv::Writer::from_writer(Vec::new()));
                let stock = std::mem::replace(&mut stock_csv, csv::Writer::from_writer(Vec::new()));
                copy(conn, "copy sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, channel, country, currency, status) from stdin (format csv)", orders).await?;
                copy(conn, "copy order_line (sales_order_id, line_no, product_id, quantity, unit_price) from stdin (format csv)", lines).await?;
                copy(
                    conn,
                    "copy inventory_snapshot (product_id, day, on_hand) from stdin (format csv)",
                    stock,
                )
                .await?;
                buffered = 0;
            }
        }
        Ok((order_count, line_count))
    }

    #[allow(clippy::too_many_arguments)]
    fn write_order(
        &mut self,
        orders: &mut csv::Writer<Vec<u8>>,
        lines: &mut csv::Writer<Vec<u8>>,
        customers: &[Customer],
        customer: Option<u32>,
        country: usize,
        channel: usize,
        date: NaiveDate,
        hour: usize,
        minute: u32,
        order_lines: &[(usize, i64, Decimal)],
        status: &str,
        prefix: &str,
    ) -> anyhow::Result<()> {
        let id = self.next_order_id;
        self.next_order_id += 1;
        let customer_id = customer
            .map(|c| customers[c as usize].id.to_string())
            .unwrap_or_default();
        orders.write_record([
            id.to_string(),
            self.source_id.to_string(),
            format!("{prefix}-{id:08}"),
            customer_id,
            format!("{date} {hour:02}:{minute:02}:00"),
            CHANNELS[channel].0.to_string(),
            COUNTRIES[country].0.to_string(),
            "GBP".to_string(),
            status.to_string(),
        ])?;
        for (n, (pi, qty, price)) in order_lines.iter().enumerate() {
            lines.write_record([
                id.to_string(),
                (n + 1).to_string(),
                self.products[*pi].id.to_string(),
                qty.to_string(),
                price.to_string(),
            ])?;
        }
        Ok(())
    }

    /// Weekly observations of up to three competitors for 60% of the products, with occasional
    /// undercutting campaigns.
    async fn copy_competitor_prices(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for pi in 0..self.products.len() {
            if !self.rng.gen_bool(0.6) {
                continue;
            }
            let n = self.rng.gen_range(1..=COMPETITORS.len());
            for competitor in COMPETITORS.iter().take(n) {
                let offset = 0.03 + 0.08 * normal(&mut self.rng);
                let shipping = if self.rng.gen_bool(0.5) { "0" } else { "3.95" };
                let campaign_start = self.rng.gen_range(0..self.days);
                for day in (0..self.days).step_by(7) {
                    let campaign = day >= campaign_start && day < campaign_start + 28;
                    let factor = 1.0 + offset + 0.02 * normal(&mut self.rng)
                        - if campaign { 0.2 } else { 0.0 };
                    let our = self.products[pi].price(day);
                    let price = (our * Decimal::try_from(factor.max(0.3)).unwrap_or(Decimal::ONE))
                        .round_dp(2);
                    let date = self.first_day + Duration::days(day as i64);
                    w.write_record([
                        self.products[pi].id.to_string(),
                        competitor.to_string(),
                        price.to_string(),
                        shipping.to_string(),
                        self.rng.gen_bool(0.95).to_string(),
                        format!("{date} 06:00:00"),
                    ])?;
                }
            }
        }
        copy(conn, "copy competitor_price (product_id, competitor, price, shipping, in_stock, observed_at) from stdin (format csv)", w).await
    }

    /// Current price and stock on the product rows; identity sequences past the explicit ids.
    async fn finish_products(&mut self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let last_day = self.days - 1;
        let ids: Vec<i64> = self.products.iter().map(|p| p.id).collect();
        let prices: Vec<Decimal> = self.products.iter().map(|p| p.price(last_day)).collect();
        let stock: Vec<i32> = self
            .products
            .iter()
            .map(|p| p.stock.max(0) as i32)
            .collect();
        sqlx::query!(
            "update product p set list_price = u.price, on_hand = u.stock
             from unnest($1::bigint[], $2::numeric[], $3::int[]) as u(id, price, stock)
             where p.product_id = u.id",
            &ids,
            &prices,
            &stock
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            "select setval(pg_get_serial_sequence('customer', 'customer_id'), (select coalesce(max(customer_id), 0) + 1 from customer), false) as customer,
                    setval(pg_get_serial_sequence('product', 'product_id'), (select coalesce(max(product_id), 0) + 1 from product), false) as product,
                    setval(pg_get_serial_sequence('sales_order', 'sales_order_id'), (select coalesce(max(sales_order_id), 0) + 1 from sales_order), false) as sales_order"
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(())
    }
}

fn make_products(rng: &mut ChaCha8Rng, first_id: i64, days: usize) -> Vec<Product> {
    let count = CATEGORIES.len() * 30;
    (0..count)
        .map(|i| {
            let base = (12.0f64.ln() + 0.75 * normal(rng)).exp().clamp(0.85, 180.0);
            let rank = rng.gen_range(1..=count) as f64;
            let elasticity = if i % 3 == 0 {
                rng.gen_range(-0.9..-0.3)
            } else {
                rng.gen_range(-6.0..-1.3)
            };
            let mut price_steps = Vec::new();
            let mut factor = 1.0;
            for _ in 0..rng.gen_range(1..=5) {
                factor *= rng.gen_range(0.82..1.2);
                price_steps.push((rng.gen_range(14..days), factor));
            }
            price_steps.sort_by_key(|s| s.0);
            let regular_steps = price_steps.clone();
            // Half the products run promotions: one or two weeks at 12–30% off every month or two,
            // which is what lets their elasticity be estimated.
            if rng.gen_bool(0.5) {
                let base_at = |steps: &[(usize, f64)], day: usize| {
                    steps
                        .iter()
                        .take_while(|(d, _)| *d <= day)
                        .last()
                        .map(|(_, f)| *f)
                        .unwrap_or(1.0)
                };
                let permanent = regular_steps.clone();
                let mut day = rng.gen_range(7..35);
                while day < days {
                    let end = day + rng.gen_range(7..=14);
                    let off = rng.gen_range(0.12..0.30);
                    price_steps.push((day, base_at(&permanent, day) * (1.0 - off)));
                    price_steps.push((end, base_at(&permanent, end)));
                    day = end + rng.gen_range(21..56);
                }
                price_steps.sort_by_key(|s| s.0);
            }
            let slow_mover = rng.gen_bool(0.05);
            let supplier_trouble = rng.gen_bool(0.03);
            Product {
                id: first_id + i as i64,
                base_price: price_round(Decimal::try_from(base).unwrap_or(Decimal::TEN)),
                popularity: 1.0 / rank.powf(0.8) * if slow_mover { 0.05 } else { 1.0 },
                elasticity,
                price_steps,
                regular_steps,
                lead_time_days: rng.gen_range(5..=35),
                stock: 0,
                incoming: None,
                no_restock_from: if supplier_trouble {
                    days.saturating_sub(60)
                } else {
                    usize::MAX
                },
                cover_days: if slow_mover { 400.0 } else { 60.0 },
                expected_daily_units: 0.0,
                recent_daily_units: 0.0,
                sold_today: 0,
            }
        })
        .collect()
}

async fn copy(
    conn: &mut PgConnection,
    statement: &str,
    writer: csv::Writer<Vec<u8>>,
) -> anyhow::Result<()> {
    let data = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("csv buffer: {e}"))?;
    if data.is_empty() {
        return Ok(());
    }
    // COPY … FROM STDIN streams data rather than binding parameters: sqlx cannot check it.
    let mut sink = conn.copy_in_raw(statement).await?;
    sink.send(data).await?;
    sink.finish()
        .await
        .with_context(|| format!("{statement} failed"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn prices_end_in_five_or_nine() {
        assert_eq!(price_round(dec!(12.34)), dec!(12.35));
        assert_eq!(price_round(dec!(0.04)), dec!(0.09));
        assert_eq!(price_round(dec!(99.99)), dec!(99.95));
    }

    #[test]
    fn weekends_and_december_differ() {
        let monday = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2025, 12, 6).unwrap();
        let june_monday = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
        assert!(day_weight(monday, 0.5) > day_weight(saturday, 0.5));
        assert!(day_weight(monday, 0.5) > day_weight(june_monday, 0.5));
    }
}
