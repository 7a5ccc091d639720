//! The price recommendations table's rows: its columns, each product's cells (the text shown
//! and the value it sorts by), and one page of the list — narrowed to suggested changes and a
//! search, sorted by a column over every product, on the server (as `product_list` for stock).
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::types::ProductPricing;
use super::ui::format::{limits_text, opt_money, signed_money};
use crate::components::table::{count_cell, money_cell, server_page, Needle, Paged};
use crate::components::{Cell, Column};
use crate::error::AppError;

/// What the recommendations table asks for: suggested changes only, a search (SKU or name), a
/// sort (column index, descending) and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct PricingQuery {
    /// Only products whose price a change is recommended for.
    pub changes: bool,
    pub search: String,
    /// A column of `columns()`; none: best sellers first.
    pub sort: Option<usize>,
    pub descending: bool,
    pub page: usize,
}

/// One page of the recommendations table: its products and how many match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingPage {
    pub range: crate::dashboard::filter::DateRange,
    pub currency: String,
    /// Products that match the query.
    pub total: usize,
    /// Products with a price change recommended, of all of them (the table's title).
    pub changes: usize,
    pub page: usize,
    pub products: Vec<ProductPricing>,
}

/// The table's headings, in the order of `cells`.
pub fn columns() -> Vec<Column> {
    vec![
        Column::text("Product"),
        Column::text("SKU"),
        Column::number("Our price"),
        Column::number("Cheapest competitor")
            .help("Latest in-stock observation of the last 30 days, shipping included"),
        Column::number("Our rank"),
        Column::number("Price index").help("Our price / average competitor price × 100"),
        Column::number("Elasticity")
            .help("Slope of ln(weekly units) on ln(weekly price), ± standard error"),
        Column::number("Weeks"),
        Column::number("Recommended"),
        Column::number("Profit / week")
            .help("Expected change in weekly profit at the recommended price"),
        Column::text("Limits").help(
            "Margin floor – ceiling over unit cost, the competitor cap, and how far one change may move the price",
        ),
        Column::text("Reason"),
    ]
}

/// A product's row; its name links to `href` (its page) when given.
pub fn cells(p: &ProductPricing, currency: &str, href: Option<String>) -> Vec<Cell> {
    let r = &p.recommendation;
    let e = &p.elasticity;
    let profit_change = match (&r.current, &r.expected) {
        (Some(a), Some(b)) => Some(b.weekly_profit - a.weekly_profit),
        _ => None,
    };
    let name = Cell::text(p.name.clone()).with_title(p.name.clone());
    vec![
        match href {
            Some(href) => name.with_link(href),
            None => name,
        },
        Cell::text(p.sku.clone()),
        money_cell(r.current_price, currency),
        Cell::number(
            opt_money(p.position.cheapest, currency),
            p.position.cheapest.and_then(|v| v.to_f64()),
        ),
        Cell::number(
            p.position
                .rank
                .map(|r| format!("{r} of {}", p.position.competitors + 1))
                .unwrap_or_else(|| "—".into()),
            p.position.rank.map(|r| r as f64),
        ),
        Cell::number(
            p.position
                .price_index
                .map(|i| i.to_string())
                .unwrap_or_else(|| "—".into()),
            p.position.price_index.and_then(|i| i.to_f64()),
        ),
        Cell::number(
            match (e.estimate, e.std_error) {
                (Some(v), Some(se)) => format!("{v:.2} ± {se:.2}"),
                _ => "—".into(),
            },
            e.estimate,
        ),
        count_cell(e.weeks),
        Cell::number(
            opt_money(r.recommended_price, currency),
            r.recommended_price.and_then(|v| v.to_f64()),
        ),
        Cell::number(
            profit_change
                .map(|v| signed_money(v, currency))
                .unwrap_or_else(|| "—".into()),
            profit_change.and_then(|v| v.to_f64()),
        ),
        Cell::text(
            r.bounds
                .as_ref()
                .map(|b| limits_text(b, currency))
                .unwrap_or_else(|| "—".into()),
        )
        .long(),
        Cell::text(r.reason.clone()).long(),
    ]
}

/// How many of all the products have a change recommended, and `query`'s page of those that
/// match (`PAGE_ROWS` a page).
pub fn page(
    products: &[ProductPricing],
    currency: &str,
    query: &PricingQuery,
) -> Result<(usize, Paged<ProductPricing>), AppError> {
    let needle = Needle::new(&query.search)?;
    let suggested = |p: &ProductPricing| p.recommendation.recommended_price.is_some();
    let changes = products.iter().filter(|p| suggested(p)).count();
    let matching = products
        .iter()
        .filter(|p| !query.changes || suggested(p))
        .filter(|p| needle.matches(&[&p.name, &p.sku]))
        .collect();
    let paged = server_page(
        matching,
        |p| cells(p, currency, None),
        columns().len(),
        query.sort,
        query.descending,
        query.page,
    )?;
    Ok((changes, paged))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::features::inventory::kpi::product_pricing;
    use crate::features::inventory::types::{PricingSettings, ProductStock, StockStatus};
    use rust_decimal::Decimal;

    /// 120 products priced 1..=120 (no history: each a hold); every fourth has a change
    /// suggested, one cent up.
    fn products() -> Vec<ProductPricing> {
        (1..=120)
            .map(|i| {
                let stock = ProductStock {
                    name: format!("Vase {i}"),
                    price: Some(Decimal::from(i)),
                    ..ProductStock::for_test(i, StockStatus::Ok)
                };
                let mut p = product_pricing(&stock, &[], &[], &PricingSettings::default());
                if i % 4 == 0 {
                    p.recommendation.recommended_price = Some(Decimal::new(i * 100 + 1, 2));
                }
                p
            })
            .collect()
    }

    #[test]
    fn a_page_of_recommendations_is_narrowed_sorted_over_every_product_then_cut() {
        let products = products();
        let ids = |q: PricingQuery| -> (usize, usize, Vec<i64>) {
            let (changes, paged) = page(&products, "GBP", &q).unwrap();
            (
                paged.total,
                changes,
                paged.rows.iter().map(|p| p.product_id).collect(),
            )
        };
        // As given, 50 a page; 30 of the 120 have a change suggested, on every page.
        let (total, changes, first) = ids(PricingQuery::default());
        assert_eq!((total, changes, first.len(), first[0]), (120, 30, 50, 1));
        let (_, _, last) = ids(PricingQuery {
            page: 2,
            ..Default::default()
        });
        assert_eq!(last, (101..=120).collect::<Vec<_>>());
        // Our price (column 2), highest first: over all 120 before the page is cut.
        let dearest = PricingQuery {
            sort: Some(2),
            descending: true,
            ..Default::default()
        };
        assert_eq!(ids(dearest).2[..3], [120, 119, 118]);
        // Recommended (column 8) ascending: holds ("—") come last either way.
        let recommended = PricingQuery {
            sort: Some(8),
            ..Default::default()
        };
        assert_eq!(ids(recommended).2[..3], [4, 8, 12]);
        // Suggested changes only, then a search, narrow the count; the changes stay all of them.
        let only = PricingQuery {
            changes: true,
            ..Default::default()
        };
        let (total, changes, rows) = ids(only.clone());
        assert_eq!((total, changes), (30, 30));
        assert!(rows.iter().all(|id| id % 4 == 0));
        let search = PricingQuery {
            search: " vase 10".into(),
            ..only
        };
        assert_eq!(ids(search).2, vec![100, 104, 108]);
        // A column that is not there, a search too long: what and where.
        let bad = PricingQuery {
            sort: Some(12),
            ..Default::default()
        };
        assert!(page(&products, "GBP", &bad)
            .unwrap_err()
            .to_string()
            .contains("sort"));
        let long = PricingQuery {
            search: "x".repeat(101),
            ..Default::default()
        };
        assert!(page(&products, "GBP", &long)
            .unwrap_err()
            .to_string()
            .contains("search"));
    }
}
