//! What the page's two product tables — stock (`product_list`) and price recommendations
//! (`pricing_list`) — share: the query (a narrowing of the table's own, a search by SKU or
//! name, a sort and a page), the page the server answers, and how that page is cut from every
//! product, on the server. Each table's row type says its columns, its cells and what its
//! narrowing keeps; the page and the server sort by the same cells, so a column sorts the same
//! whichever draws it.
use serde::{Deserialize, Serialize};

use crate::components::table::{server_page, Needle, Paged};
use crate::components::{Cell, Column};
use crate::dashboard::filter::DateRange;
use crate::error::AppError;

/// A row of a product table: the product (its name, linking to its page) and its SKU, then
/// the table's own figures.
pub trait ProductRow: Clone {
    /// The table's own narrowing besides the search (a stock status; suggested changes only).
    type Only;
    /// The headings of the table's figures, in the order of `figure_cells`.
    fn figure_columns() -> Vec<Column>;
    /// The row's figures (the text shown and the value it sorts by).
    fn figure_cells(&self, currency: &str) -> Vec<Cell>;
    /// Whether the narrowing `only` keeps this row.
    fn keeps(&self, only: &Self::Only) -> bool;
    /// The product's name and SKU: the first two columns, and what a search looks in.
    fn name_and_sku(&self) -> [&str; 2];
    fn product_id(&self) -> i64;

    /// The table's headings, in the order of `cells`.
    fn columns() -> Vec<Column> {
        let mut columns = vec![Column::text("Product"), Column::text("SKU")];
        columns.extend(Self::figure_columns());
        columns
    }

    /// The row's cells; the name links to `href` (the product's page) when given.
    fn cells(&self, currency: &str, href: Option<String>) -> Vec<Cell> {
        let [name, sku] = self.name_and_sku();
        let name = Cell::text(name).with_title(name.to_string());
        let mut cells = vec![
            match href {
                Some(href) => name.with_link(href),
                None => name,
            },
            Cell::text(sku),
        ];
        cells.extend(self.figure_cells(currency));
        cells
    }
}

/// What a product table asks for: its narrowing, a search (SKU or name), a sort (a column of
/// `ProductRow::columns`, descending or not; none: best sellers first) and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, bound(deserialize = "F: Deserialize<'de> + Default"))]
pub struct ListQuery<F> {
    pub only: F,
    pub search: String,
    pub sort: Option<usize>,
    pub descending: bool,
    pub page: usize,
}

/// One page of a product table: its products and how many match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage<T> {
    pub range: DateRange,
    pub currency: String,
    /// Products that match the query.
    pub total: usize,
    pub page: usize,
    pub products: Vec<T>,
}

impl<T> AsRef<ListPage<T>> for ListPage<T> {
    fn as_ref(&self) -> &ListPage<T> {
        self
    }
}

/// Of `products` (best sellers first), those `query` narrows to, sorted by its column over all
/// of them, then its page (`PAGE_ROWS` a page). A column the table does not have, or a search
/// too long, is refused with what and where.
pub fn page<T: ProductRow>(
    products: &[T],
    range: DateRange,
    currency: &str,
    query: &ListQuery<T::Only>,
) -> Result<ListPage<T>, AppError> {
    let needle = Needle::new(&query.search)?;
    let matching = products
        .iter()
        .filter(|p| p.keeps(&query.only))
        .filter(|p| needle.matches(&p.name_and_sku()))
        .collect();
    let Paged { total, page, rows } = server_page(
        matching,
        |p| p.cells(currency, None),
        T::columns().len(),
        query.sort,
        query.descending,
        query.page,
    )?;
    Ok(ListPage {
        range,
        currency: currency.to_string(),
        total,
        page,
        products: rows,
    })
}

/// A range for the tests' pages to carry (they look at the products).
#[cfg(test)]
pub(super) fn march() -> DateRange {
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    DateRange {
        from: day(1),
        to: day(31),
    }
}
