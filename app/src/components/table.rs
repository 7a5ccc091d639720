//! A table whose columns sort on a click (client-side over the rows it was given, or by the
//! server for a list too long to send), and the titled table panel with its CSV export that
//! every dashboard uses.
use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::components::format::{count, money, percent};
use crate::components::sort::{compare_keys, SortKey, PAGE_ROWS};

/// A column heading; numeric columns are right-aligned and sort largest first on the first click.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: &'static str,
    pub numeric: bool,
    /// Tooltip of the heading.
    pub help: Option<&'static str>,
}

impl Column {
    pub fn text(label: &'static str) -> Self {
        Self {
            label,
            numeric: false,
            help: None,
        }
    }

    pub fn number(label: &'static str) -> Self {
        Self {
            label,
            numeric: true,
            help: None,
        }
    }

    pub fn help(self, help: &'static str) -> Self {
        Self {
            help: Some(help),
            ..self
        }
    }
}

/// One cell: the text shown, the value it sorts by, and an optional bar (0–1) drawn behind the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub sort: SortKey,
    pub bar: Option<f64>,
    pub title: Option<String>,
    /// The text links here (a record page).
    pub href: Option<String>,
    /// Long text that wraps as a paragraph (a reason), not a word a line.
    pub long: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        let sort = if text.is_empty() {
            SortKey::None
        } else {
            SortKey::Text(text.to_lowercase())
        };
        Self {
            sort,
            text,
            bar: None,
            title: None,
            href: None,
            long: false,
        }
    }

    pub fn number(text: impl Into<String>, value: Option<f64>) -> Self {
        Self {
            text: text.into(),
            sort: value.map(SortKey::Number).unwrap_or(SortKey::None),
            bar: None,
            title: None,
            href: None,
            long: false,
        }
    }

    /// A day in the app's one date format ("2 Sep 2026"), sorting by date.
    pub fn date(day: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self::number(
            crate::components::format::day(day),
            Some(day.num_days_from_ce() as f64),
        )
    }

    pub fn with_bar(self, share: Option<f64>) -> Self {
        Self {
            bar: share.map(|s| s.clamp(0.0, 1.0)),
            ..self
        }
    }

    pub fn with_title(self, title: impl Into<String>) -> Self {
        Self {
            title: Some(title.into()),
            ..self
        }
    }

    /// Long text (a recommendation's reason): its first sentence, opening to the rest.
    pub fn long(self) -> Self {
        Self { long: true, ..self }
    }

    pub fn with_link(self, href: impl Into<String>) -> Self {
        Self {
            href: Some(href.into()),
            ..self
        }
    }
}

/// The longest search a server-paged table takes.
const SEARCH_CHARS: usize = 100;

/// A server-paged table's search as it is matched: trimmed, lower case, found anywhere in any
/// of a row's searched texts (an empty search matches every row).
#[derive(Debug, Clone, PartialEq)]
pub struct Needle(String);

impl Needle {
    /// The search typed; longer than `SEARCH_CHARS` is refused.
    pub fn new(search: &str) -> Result<Self, crate::error::AppError> {
        if search.chars().count() > SEARCH_CHARS {
            return Err(crate::error::AppError::invalid(
                "search",
                format!("at most {SEARCH_CHARS} characters"),
            ));
        }
        Ok(Self(search.trim().to_lowercase()))
    }

    /// Whether a row whose searched texts are `texts` matches.
    pub fn matches(&self, texts: &[&str]) -> bool {
        self.0.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&self.0))
    }
}

/// One page of a list the server pages: how many rows match in all, which page this is and its
/// rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub total: usize,
    /// The page asked for, or the last one when it asked for a page after the last (a link
    /// kept from when there were more rows).
    pub page: usize,
    pub rows: Vec<T>,
}

/// The server's half of `ServerPaging`: `items` sorted by column `sort` of their cells (as given
/// when none) over every item, then page `page` of them (`PAGE_ROWS` a page; the last page when
/// `page` is past it). A column the table does not have is refused.
pub fn server_page<T: Clone>(
    items: Vec<&T>,
    cells: impl Fn(&T) -> Vec<Cell>,
    columns: usize,
    sort: Option<usize>,
    descending: bool,
    page: usize,
) -> Result<Paged<T>, crate::error::AppError> {
    let total = items.len();
    let page = page.min(total.saturating_sub(1) / PAGE_ROWS);
    let start = page * PAGE_ROWS;
    let cut = |items: Vec<&T>| -> Vec<T> {
        items
            .into_iter()
            .skip(start)
            .take(PAGE_ROWS)
            .cloned()
            .collect()
    };
    let Some(col) = sort else {
        return Ok(Paged {
            total,
            page,
            rows: cut(items),
        });
    };
    if col >= columns {
        return Err(crate::error::AppError::invalid(
            "sort",
            format!("the table has columns 0 to {}", columns.saturating_sub(1)),
        ));
    }
    let mut keyed: Vec<(&T, SortKey)> = items
        .into_iter()
        .map(|item| {
            let key = cells(item).swap_remove(col).sort;
            (item, key)
        })
        .collect();
    keyed.sort_by(|a, b| compare_keys(&a.1, &b.1, descending));
    Ok(Paged {
        total,
        page,
        rows: cut(keyed.into_iter().map(|(item, _)| item).collect()),
    })
}

/// A table sorted and paged by the server: the rows given are its one page. Its sort and page
/// live in the page's URL (a heading and the pager are `data-navigate` buttons to the same page
/// with them changed, which public/nav.js opens in place), so that Back from a row's page finds
/// the table as it was left and a copied link shows the same rows.
#[derive(Debug, Clone)]
pub struct ServerPaging {
    /// The page's path and its whole query (the filters and the other tables' keys are kept).
    pub path: String,
    pub query: crate::islands::nav::Query,
    /// The URL keys of the sort (a column, `-` before it descending) and the page (from 1).
    pub keys: (&'static str, &'static str),
    /// (column, descending)
    pub sort: Option<(usize, bool)>,
    /// The page asked for (from 0).
    pub page: usize,
    /// Rows on every page together.
    pub total: usize,
    /// The page the rows given are (the server's answer: the last page when a later one was
    /// asked for).
    pub shown: usize,
}

impl ServerPaging {
    /// The sort and page of a table of `columns` columns as the URL `query` of page `path` has
    /// them under `keys`; in the given order at the first page when it has neither (a value the
    /// table does not take is ignored).
    pub fn from_query(
        path: String,
        query: crate::islands::nav::Query,
        keys: (&'static str, &'static str),
        columns: usize,
    ) -> Self {
        use crate::islands::nav::get;
        let (sort_key, page_key) = keys;
        let sort = get(&query, sort_key).and_then(|text| {
            let (descending, col) = match text.strip_prefix('-') {
                Some(col) => (true, col.to_string()),
                None => (false, text),
            };
            let col: usize = col.parse().ok()?;
            (col < columns).then_some((col, descending))
        });
        let page = get(&query, page_key)
            .and_then(|text| text.parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .map_or(0, |p| p - 1);
        ServerPaging {
            path,
            query,
            keys,
            sort,
            page,
            total: 0,
            shown: 0,
        }
    }

    /// The column sorted by and whether descending, as a query carries them.
    pub fn order(&self) -> (Option<usize>, bool) {
        match self.sort {
            Some((col, descending)) => (Some(col), descending),
            None => (None, false),
        }
    }

    /// This page with the table's sort and page set (left out at their defaults).
    fn url(&self, sort: Option<(usize, bool)>, page: usize) -> String {
        use crate::islands::nav::{to_query_string, with_changes};
        let (sort_key, page_key) = self.keys;
        let sort = sort
            .map(|(col, descending)| format!("{}{col}", if descending { "-" } else { "" }))
            .into_iter()
            .collect();
        let page = (page > 0)
            .then(|| (page + 1).to_string())
            .into_iter()
            .collect();
        let query = with_changes(&self.query, vec![(sort_key, sort), (page_key, page)]);
        format!("{}{}", self.path, to_query_string(&query))
    }

    /// Page `page` (the server's answer) of `total` rows as the table, or `empty` when no row
    /// matches.
    pub fn table(
        self,
        columns: Vec<Column>,
        rows: Vec<Vec<Cell>>,
        (total, page): (usize, usize),
        empty: &'static str,
    ) -> AnyView {
        if rows.is_empty() {
            return view! { <p class="muted">{empty}</p> }.into_any();
        }
        let paging = ServerPaging {
            total,
            shown: page,
            ..self
        };
        view! { <SortableTable columns rows server=Some(paging)/> }.into_any()
    }
}

/// The CSV export link of a dashboard table (`path`, e.g. `/api/v1/products`) for the page's
/// `range` and filters.
pub fn range_export(
    path: &'static str,
    range: crate::dashboard::filter::DateRange,
    filter: &crate::dashboard::filter::DashboardFilter,
) -> AnyView {
    let href = format!(
        "{path}?{}&format=csv",
        crate::components::api_query(range, filter)
    );
    view! { <ExportLink href/> }.into_any()
}

/// Rows in their given order until a heading is clicked; a second click reverses. Long tables
/// show `PAGE_ROWS` rows a page with a pager ("Rows 51–100 of 300"); a new sort starts again at
/// the first page. The table scrolls sideways inside its panel with its first column fixed.
/// With `server`, the server sorts and pages (a list too long to send whole): the same
/// headings, pager and keys.
#[component]
pub fn SortableTable(
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    #[prop(default = None)] server: Option<ServerPaging>,
) -> impl IntoView {
    // A table the browser sorts and pages itself is server HTML inside the generic sorting
    // island; a server-paged one is server HTML whose buttons open another URL.
    match server {
        None => view! { <IslandSortableTable columns rows/> }.into_any(),
        Some(paging) => server_table(columns, rows, paging).into_any(),
    }
}

/// One page of a table the server sorts and pages: a heading and the pager are `data-navigate`
/// buttons to this page with another sort (from the first page) or page.
fn server_table(columns: Vec<Column>, rows: Vec<Vec<Cell>>, paging: ServerPaging) -> impl IntoView {
    let (total, current) = (paging.total, paging.shown);
    let numeric: Vec<bool> = columns.iter().map(|c| c.numeric).collect();
    let pager = (total > PAGE_ROWS).then(|| {
        let start = current * PAGE_ROWS;
        let shown = format!(
            "Rows {}–{} of {}",
            start + 1,
            (start + PAGE_ROWS).min(total),
            crate::components::format::count(total as i64)
        );
        let previous = paging.url(paging.sort, current.saturating_sub(1));
        let next = paging.url(paging.sort, current + 1);
        view! {
            <div class="pager table-pager">
                <span class="muted small" role="status">{shown}</span>
                <button type="button" class="button ghost small" disabled={current == 0}
                    data-navigate=previous>"Previous"</button>
                <button type="button" class="button ghost small" disabled={(current + 1) * PAGE_ROWS >= total}
                    data-navigate=next>"Next"</button>
            </div>
        }
    });
    let headings = columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let aria = match paging.sort {
                Some((col, true)) if col == i => "descending",
                Some((col, false)) if col == i => "ascending",
                _ => "none",
            };
            // A numeric column sorts largest first on the first click; a second reverses.
            let sort = match paging.sort {
                Some((col, descending)) if col == i => (i, !descending),
                _ => (i, c.numeric),
            };
            let href = paging.url(Some(sort), 0);
            view! {
                <th class:num=c.numeric aria-sort=aria title=c.help>
                    <button type="button" class="sort" data-navigate=href>{c.label}</button>
                </th>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
        <table class="table sortable">
            <thead><tr>{headings}</tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr>
                        {row.into_iter().enumerate().map(|(i, cell)| body_cell(cell, numeric[i])).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {pager}
    }
}

/// A body cell of a server-paged table: a link, a share bar, long text or plain text.
fn body_cell(cell: Cell, num: bool) -> AnyView {
    if let Some(href) = cell.href {
        return view! {
            <td class:num=num title=cell.title><a href=href>{cell.text}</a></td>
        }
        .into_any();
    }
    match cell.bar {
        Some(share) => view! {
            <td class:num=num title=cell.title class="share-col">
                <span class="share-bar" style=format!("width: {:.1}%", share * 100.0)></span>" "{cell.text}
            </td>
        }
        .into_any(),
        None if cell.long => view! { <td class="long" title=cell.title>{long_text(cell.text)}</td> }.into_any(),
        None => view! { <td class:num=num title=cell.title>{cell.text}</td> }.into_any(),
    }
}

/// The cell's sort key as the sorting island reads it (`data-sort`).
fn sort_attr(key: &SortKey) -> String {
    match key {
        SortKey::Number(n) => format!("n:{n}"),
        SortKey::Text(t) => format!("t:{t}"),
        SortKey::None => String::new(),
    }
}

/// Every row in server HTML (rows past the first page hidden), sorted and paged in the browser
/// by `TableSortIsland`.
#[component]
fn IslandSortableTable(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> impl IntoView {
    let total = rows.len();
    let numeric: Vec<bool> = columns.iter().map(|c| c.numeric).collect();
    let pager = (total > PAGE_ROWS).then(|| view! {
        <div class="pager table-pager">
            <span class="muted small" role="status">{format!(
                "Rows 1–{} of {}", PAGE_ROWS.min(total), crate::components::format::count(total as i64)
            )}</span>
            <button type="button" class="button ghost small" data-page="prev" disabled=true>"Previous"</button>
            <button type="button" class="button ghost small" data-page="next">"Next"</button>
        </div>
    });
    view! {
        <crate::islands::table_sort::TableSortIsland>
        <div class="table-scroll">
        <table class="table sortable">
            <thead><tr>
                {columns.into_iter().map(|c| view! {
                    <th class:num=c.numeric aria-sort="none" title=c.help>
                        <button type="button" class="sort">{c.label}</button>
                    </th>
                }).collect_view()}
            </tr></thead>
            <tbody>
                {rows.into_iter().enumerate().map(|(r, row)| view! {
                    <tr hidden={r >= PAGE_ROWS}>
                        {row.into_iter().enumerate().map(|(i, cell)| {
                            let num = numeric[i];
                            let key = sort_attr(&cell.sort);
                            if let Some(href) = cell.href {
                                return view! {
                                    <td class:num=num title=cell.title data-sort=key><a href=href>{cell.text}</a></td>
                                }.into_any();
                            }
                            match cell.bar {
                                Some(share) => view! {
                                    <td class:num=num title=cell.title class="share-col" data-sort=key>
                                        <span class="share-bar" style=format!("width: {:.1}%", share * 100.0)></span>" "{cell.text}
                                    </td>
                                }.into_any(),
                                None if cell.long => view! { <td class="long" title=cell.title data-sort=key>{long_text(cell.text)}</td> }.into_any(),
                                None => view! { <td class:num=num title=cell.title data-sort=key>{cell.text}</td> }.into_any(),
                            }
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {pager}
        </crate::islands::table_sort::TableSortIsland>
    }
}

/// Text up to this many characters fits a long cell's two lines and is shown as it is.
const SHORT_TEXT: usize = 80;

/// Long text as its first sentence, opening to the rest (a recommendation's reason), the first
/// sentence itself cut to two lines until opened: rows stay two lines high and the whole text
/// is a click or Enter away.
fn long_text(text: String) -> impl IntoView {
    if text.chars().count() <= SHORT_TEXT {
        return text.into_any();
    }
    let (first, rest) = match split_first_sentence(&text) {
        Some((first, rest)) => (first.to_string(), Some(rest.to_string())),
        None => (text.clone(), None),
    };
    view! {
        <details class="long-text">
            <summary title=text>{first}</summary>
            {rest}
        </details>
    }
    .into_any()
}

/// Words ending in a stop that do not end a sentence ("e.g." and "i.e." hold a stop inside).
const ABBREVIATIONS: [&str; 6] = ["vs", "approx", "etc", "incl", "excl", "cf"];

/// The first sentence and the rest, when there is a rest. A sentence ends at a stop followed by
/// a space and a capital or a digit, unless the stop ends an abbreviation or an initial.
fn split_first_sentence(text: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(at) = text[from..].find(". ") {
        let end = from + at + 1;
        let word = text[..end - 1]
            .rsplit(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("");
        let abbreviation = (word.contains('.') && word.chars().any(char::is_alphabetic))
            || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
            || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic));
        let starts = text[end..]
            .trim_start()
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        if starts && !abbreviation {
            return Some((&text[..end], text[end..].trim()));
        }
        from = end;
    }
    None
}

/// The export link of a table, for analysts and admins only (the server checks the role too).
#[component]
pub fn ExportLink(#[prop(into)] href: String) -> impl IntoView {
    if let Some(scope) = crate::features::embed::ui::embed_scope() {
        // In an embed the download goes through embed.js, which sends the embed token.
        return scope
            .allow_export
            .then(|| view! { <a class="export" href=href data-embed-export="true" download>"Export CSV"</a> })
            .into_any();
    }
    let may_export =
        crate::features::auth::context::user_allows(crate::features::auth::types::Role::Analyst);
    view! {
        <Transition fallback=|| ()>
            {
                let href = href.clone();
                move || may_export.get().then(|| view! { <a class="export" href=href.clone() download>"Export CSV"</a> })
            }
        </Transition>
    }
    .into_any()
}

/// A titled table panel with its CSV export and an empty state.
#[component]
pub fn TablePanel(
    #[prop(into)] title: String,
    export: String,
    empty: bool,
    #[prop(into)] empty_message: String,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
) -> impl IntoView {
    let label = title.clone();
    view! {
        <section class="panel" aria-label=label>
            <div class="panel-head">
                <h2 class="panel-title">{title}</h2>
                <ExportLink href=export/>
            </div>
            {if empty {
                view! { <p class="muted">{empty_message}</p> }.into_any()
            } else {
                view! { <SortableTable columns rows/> }.into_any()
            }}
        </section>
    }
}

pub fn money_cell(value: Decimal, currency: &str) -> Cell {
    Cell::number(money(value, currency), value.to_f64())
}

pub fn count_cell(value: i64) -> Cell {
    Cell::number(count(value), Some(value as f64))
}

pub fn share_cell(share: Option<Decimal>) -> Cell {
    Cell::number(
        share.map(percent).unwrap_or_else(|| "—".into()),
        ratio(share),
    )
}

/// A decimal as f64, for sorting and drawing.
pub fn ratio(value: Option<Decimal>) -> Option<f64> {
    value.and_then(|v| v.to_f64())
}

#[cfg(test)]
mod tests {
    use super::{split_first_sentence, Needle};

    #[test]
    fn a_search_matches_any_of_a_rows_texts_ignoring_case_and_edges() {
        let needle = Needle::new("  mUg ").unwrap();
        assert!(needle.matches(&["Enamel Mug", "SKU-1"]));
        assert!(needle.matches(&["Plate", "MUG-7"]));
        assert!(!needle.matches(&["Plate", "PL-7"]));
        // Nothing typed matches every row, even one with no text.
        assert!(Needle::new("").unwrap().matches(&[]));
        assert!(Needle::new("   ").unwrap().matches(&["Plate"]));
        // 100 characters are taken (counted as characters, not bytes); 101 are refused.
        assert!(Needle::new(&"ü".repeat(100)).is_ok());
        assert!(Needle::new(&"x".repeat(101)).is_err());
    }

    #[test]
    fn long_text_opens_after_its_first_sentence() {
        assert_eq!(
            split_first_sentence("Hold at 12.00. Above the 30% margin ceiling (11.70)."),
            Some(("Hold at 12.00.", "Above the 30% margin ceiling (11.70)."))
        );
        assert_eq!(split_first_sentence("One sentence only."), None);
        assert_eq!(split_first_sentence("Ends with a stop. "), None);
        assert_eq!(split_first_sentence("No stop at all"), None);
        // Abbreviations, initials and a lower-case continuation do not end a sentence.
        assert_eq!(
            split_first_sentence("Lower, e.g. to 9.50 vs. 10.00 from J. Smith. Then hold."),
            Some(("Lower, e.g. to 9.50 vs. 10.00 from J. Smith.", "Then hold."))
        );
        assert_eq!(
            split_first_sentence("Up 5% approx. since the change."),
            None
        );
    }
}
