//! A table whose columns sort on a click (client-side, over the rows it was given), and the
//! titled table panel with its CSV export that every dashboard uses.
use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::components::format::{count, money, percent};

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
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum SortKey {
    Number(f64),
    Text(String),
    /// Empty values ("—") sort last either way.
    None,
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
        }
    }

    pub fn number(text: impl Into<String>, value: Option<f64>) -> Self {
        Self {
            text: text.into(),
            sort: value.map(SortKey::Number).unwrap_or(SortKey::None),
            bar: None,
            title: None,
            href: None,
        }
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

    pub fn with_link(self, href: impl Into<String>) -> Self {
        Self {
            href: Some(href.into()),
            ..self
        }
    }
}

fn compare(a: &SortKey, b: &SortKey, descending: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (SortKey::None, SortKey::None) => Ordering::Equal,
        (SortKey::None, _) => Ordering::Greater,
        (_, SortKey::None) => Ordering::Less,
        _ => {
            let o = a.partial_cmp(b).unwrap_or(Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        }
    }
}

/// Rows shown before "Show all" (sorting always covers every row).
pub const VISIBLE_ROWS: usize = 50;

/// Rows in their given order until a heading is clicked; a second click reverses. Long tables
/// show their first `VISIBLE_ROWS` rows and a button for the rest.
#[component]
pub fn SortableTable(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> impl IntoView {
    // (column, descending)
    let sort = RwSignal::new(None::<(usize, bool)>);
    let show_all = RwSignal::new(false);
    let total = rows.len();
    let rows = StoredValue::new(rows);
    let numeric: Vec<bool> = columns.iter().map(|c| c.numeric).collect();
    let numeric = StoredValue::new(numeric);
    let sorted = move || {
        let mut rows = rows.get_value();
        if let Some((col, desc)) = sort.get() {
            rows.sort_by(|a, b| compare(&a[col].sort, &b[col].sort, desc));
        }
        if !show_all.get() {
            rows.truncate(VISIBLE_ROWS);
        }
        rows
    };
    let more = (total > VISIBLE_ROWS).then(|| {
        view! {
            <button type="button" class="button ghost small show-all"
                on:click=move |_| show_all.update(|v| *v = !*v)>
                {move || if show_all.get() {
                    format!("Show the first {VISIBLE_ROWS}")
                } else {
                    format!("Show all {total} rows")
                }}
            </button>
        }
    });
    view! {
        <table class="table sortable">
            <thead><tr>
                {columns.into_iter().enumerate().map(|(i, c)| {
                    let aria = move || match sort.get() {
                        Some((col, true)) if col == i => "descending",
                        Some((col, false)) if col == i => "ascending",
                        _ => "none",
                    };
                    let click = move |_| {
                        let first_desc = numeric.with_value(|n| n[i]);
                        sort.update(|s| {
                            *s = match *s {
                                Some((col, desc)) if col == i => Some((i, !desc)),
                                _ => Some((i, first_desc)),
                            }
                        })
                    };
                    view! {
                        <th class:num=c.numeric aria-sort=aria title=c.help>
                            <button type="button" class="sort" on:click=click>{c.label}</button>
                        </th>
                    }
                }).collect_view()}
            </tr></thead>
            <tbody>
                {move || sorted().into_iter().map(|row| view! {
                    <tr>
                        {row.into_iter().enumerate().map(|(i, cell)| {
                            let num = numeric.with_value(|n| n[i]);
                            if let Some(href) = cell.href {
                                return view! {
                                    <td class:num=num title=cell.title><a href=href>{cell.text}</a></td>
                                }.into_any();
                            }
                            match cell.bar {
                                Some(share) => view! {
                                    <td class:num=num title=cell.title class="share-col">
                                        <span class="share-bar" style=format!("width: {:.1}%", share * 100.0)></span>" "{cell.text}
                                    </td>
                                }.into_any(),
                                None => view! { <td class:num=num title=cell.title>{cell.text}</td> }.into_any(),
                            }
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {more}
    }
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
