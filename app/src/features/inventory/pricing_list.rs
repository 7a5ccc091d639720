//! The price recommendations table's rows (`list::ProductRow`): its columns and each
//! product's cells, narrowed to suggested changes; its page says how many of all the products
//! have a change suggested.
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::list::{ListPage, ListQuery, ProductRow};
use super::types::ProductPricing;
use super::ui::format::{limits_text, opt_money, signed_money};
use crate::components::table::{count_cell, money_cell};
use crate::components::{Cell, Column};
use crate::dashboard::filter::DateRange;
use crate::error::AppError;

/// What the recommendations table asks for; its narrowing is "suggested changes only".
pub type PricingQuery = ListQuery<bool>;

/// One page of the recommendations table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingPage {
    pub list: ListPage<ProductPricing>,
    /// Products with a price change recommended, of all of them (the table's title).
    pub changes: usize,
}

impl AsRef<ListPage<ProductPricing>> for PricingPage {
    fn as_ref(&self) -> &ListPage<ProductPricing> {
        &self.list
    }
}

impl ProductRow for ProductPricing {
    type Only = bool;

    fn figure_columns() -> Vec<Column> {
        vec![
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

    fn figure_cells(&self, currency: &str) -> Vec<Cell> {
        let p = self;
        let r = &p.recommendation;
        let e = &p.elasticity;
        let profit_change = match (&r.current, &r.expected) {
            (Some(a), Some(b)) => Some(b.weekly_profit - a.weekly_profit),
            _ => None,
        };
        vec![
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

    fn keeps(&self, changes_only: &bool) -> bool {
        !changes_only || suggests_change(self)
    }

    fn name_and_sku(&self) -> [&str; 2] {
        [&self.name, &self.sku]
    }

    fn product_id(&self) -> i64 {
        self.product_id
    }
}

/// Whether a change of price is recommended for the product.
fn suggests_change(p: &ProductPricing) -> bool {
    p.recommendation.recommended_price.is_some()
}

/// `query`'s page of the recommendations of every product (`list::page`), and how many of all
/// of them have a change suggested.
pub fn page(
    products: &[ProductPricing],
    range: DateRange,
    currency: &str,
    query: &PricingQuery,
) -> Result<PricingPage, AppError> {
    Ok(PricingPage {
        list: super::list::page(products, range, currency, query)?,
        changes: products.iter().filter(|p| suggests_change(p)).count(),
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::features::inventory::kpi::product_pricing;
    use crate::features::inventory::list::march;
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
            let paged = page(&products, march(), "GBP", &q).unwrap();
            (
                paged.list.total,
                paged.changes,
                paged.list.products.iter().map(|p| p.product_id).collect(),
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
            only: true,
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
        assert!(page(&products, march(), "GBP", &bad)
            .unwrap_err()
            .to_string()
            .contains("sort"));
        let long = PricingQuery {
            search: "x".repeat(101),
            ..Default::default()
        };
        assert!(page(&products, march(), "GBP", &long)
            .unwrap_err()
            .to_string()
            .contains("search"));
    }
}
