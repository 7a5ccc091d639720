//! The stock table's rows (`list::ProductRow`): its columns and each product's cells,
//! narrowed by a status.
use super::list::{ListPage, ListQuery, ProductRow};
use super::types::{ProductStock, StockStatus};
use super::ui::format::{date_cell, float_cell, status_label, status_rank};
use crate::components::table::{count_cell, money_cell};
use crate::components::{Cell, Column};

/// What the stock table asks for; its narrowing is a status (none: every product).
pub type ProductQuery = ListQuery<Option<StockStatus>>;

/// One page of the stock table.
pub type ProductsPage = ListPage<ProductStock>;

impl ProductRow for ProductStock {
    type Only = Option<StockStatus>;

    fn figure_columns() -> Vec<Column> {
        vec![
            Column::text("Category"),
            Column::text("Status").help("out › dead › reorder › overstock › ok"),
            Column::text("ABC"),
            Column::number("On hand"),
            Column::number("Units sold"),
            Column::number("Net revenue"),
            Column::number("Daily demand")
                .help("Average units a day over the in-stock days of the last 28"),
            Column::number("Days of cover"),
            Column::number("Turnover").help("Units sold in range / average on hand in range"),
            Column::number("Safety stock"),
            Column::number("Reorder point"),
            Column::number("Suggested order"),
            Column::text("Order by"),
            Column::text("Sells out on"),
        ]
    }

    fn figure_cells(&self, currency: &str) -> Vec<Cell> {
        let p = self;
        vec![
            Cell::text(p.category.clone()),
            // Sorts by urgency (the heading's order), not by name.
            Cell::number(status_label(p.status), Some(status_rank(p.status))),
            Cell::text(p.abc.as_str()),
            match p.on_hand {
                Some(o) => count_cell(o),
                None => Cell::number("—", None),
            },
            count_cell(p.units_sold),
            money_cell(p.net_revenue, currency),
            float_cell(Some(p.daily_demand), 1),
            float_cell(p.days_of_cover, 0),
            float_cell(p.turnover, 2),
            float_cell(Some(p.safety_stock), 0),
            float_cell(Some(p.reorder_point), 0),
            count_cell(p.suggested_order),
            date_cell(p.order_by),
            date_cell(p.sells_out_on),
        ]
    }

    fn keeps(&self, status: &Option<StockStatus>) -> bool {
        status.is_none_or(|s| self.status == s)
    }

    fn name_and_sku(&self) -> [&str; 2] {
        [&self.name, &self.sku]
    }

    fn product_id(&self) -> i64 {
        self.product_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::inventory::list::{march, page};
    use rust_decimal::Decimal;

    fn product(
        id: i64,
        name: &str,
        net: i64,
        cover: Option<f64>,
        status: StockStatus,
    ) -> ProductStock {
        ProductStock {
            sku: format!("SKU-{id}"),
            name: name.into(),
            on_hand: Some(10),
            units_sold: net,
            net_revenue: Decimal::from(net),
            days_of_cover: cover,
            ..ProductStock::for_test(id, status)
        }
    }

    #[test]
    fn a_page_is_filtered_sorted_over_every_product_then_cut() {
        // 120 products: net revenue 1..=120, every third out of stock, no cover for the 10th.
        let products: Vec<ProductStock> = (1..=120)
            .map(|i| {
                let status = if i % 3 == 0 {
                    StockStatus::Out
                } else {
                    StockStatus::Ok
                };
                let cover = (i % 10 != 0).then_some(i as f64);
                product(i, &format!("Lamp {i}"), i, cover, status)
            })
            .collect();
        let ids = |q: ProductQuery| -> (usize, Vec<i64>) {
            let paged = page(&products, march(), "GBP", &q).unwrap();
            (
                paged.total,
                paged.products.iter().map(|p| p.product_id).collect(),
            )
        };
        // As given (best sellers first is the caller's order), 50 a page.
        let (total, first) = ids(ProductQuery::default());
        assert_eq!((total, first.len(), first[0]), (120, 50, 1));
        let (_, third) = ids(ProductQuery {
            page: 2,
            ..Default::default()
        });
        assert_eq!(third, (101..=120).collect::<Vec<_>>());
        // A page past the last answers the last.
        let past = page(
            &products,
            march(),
            "GBP",
            &ProductQuery {
                page: 9,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((past.page, past.products.len()), (2, 20));
        // Net revenue, largest first: the sort covers all 120 before the page is cut.
        let net = ProductQuery {
            sort: Some(7),
            descending: true,
            ..Default::default()
        };
        assert_eq!(ids(net).1[..3], [120, 119, 118]);
        // Days of cover ascending: products without a figure come last either way.
        let cover = ProductQuery {
            sort: Some(9),
            page: 2,
            ..Default::default()
        };
        let (_, last) = ids(cover.clone());
        assert_eq!(last.last(), Some(&120));
        assert!(last.ends_with(&[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]));
        let cover_desc = ProductQuery {
            descending: true,
            ..cover
        };
        assert!(ids(cover_desc).1.ends_with(&[110, 120]));
        // Status by urgency, not by name: out (every third) before ok.
        let status = ProductQuery {
            sort: Some(3),
            ..Default::default()
        };
        assert_eq!(ids(status.clone()).1[..3], [3, 6, 9]);
        let status_desc = ProductQuery {
            descending: true,
            ..status
        };
        assert_eq!(ids(status_desc).1[..2], [1, 2]);
        // Status and search narrow before the count.
        let out = ProductQuery {
            only: Some(StockStatus::Out),
            ..Default::default()
        };
        assert_eq!(ids(out).0, 40);
        let search = ProductQuery {
            search: " LAMP 11".into(),
            ..Default::default()
        };
        assert_eq!(
            ids(search).1,
            vec![11, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]
        );
        // A column that is not there, a search too long: what and where.
        let bad = ProductQuery {
            sort: Some(16),
            ..Default::default()
        };
        assert!(page(&products, march(), "GBP", &bad)
            .unwrap_err()
            .to_string()
            .contains("sort"));
    }
}
