//! Client-side sorting and paging of a server-rendered table, as one generic island: no row data
//! in its props. The server renders every row (`data-sort` on each cell: `n:1234.5`, `t:text` or
//! empty), rows past the first page `hidden`, and the pager; a click on a heading reorders the
//! `<tr>`s in the DOM, a click on Previous/Next shows another page.
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::components::sort::{compare_keys, SortKey, PAGE_ROWS};

#[island]
pub fn TableSortIsland(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    // (column, descending), and the page shown.
    let state = StoredValue::new((None::<(usize, bool)>, 0usize));
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(target) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let Some(root) = root.get_untracked() else {
                return;
            };
            if let Ok(Some(button)) = target.closest("th button.sort") {
                let heads = elements(&root, "thead th");
                let Some(th) = button.parent_element() else {
                    return;
                };
                let th_node: &web_sys::Node = &th;
                let Some(col) = heads.iter().position(|h| h.is_same_node(Some(th_node))) else {
                    return;
                };
                let numeric = th
                    .get_attribute("class")
                    .is_some_and(|c| c.split(' ').any(|c| c == "num"));
                state.update_value(|(sort, page)| {
                    *sort = Some(match *sort {
                        Some((c, desc)) if c == col => (col, !desc),
                        _ => (col, numeric),
                    });
                    *page = 0;
                });
                let (sort, page) = state.get_value();
                for (i, h) in heads.iter().enumerate() {
                    let aria = match sort {
                        Some((c, true)) if c == i => "descending",
                        Some((c, false)) if c == i => "ascending",
                        _ => "none",
                    };
                    let _ = h.set_attribute("aria-sort", aria);
                }
                if let Some((col, desc)) = sort {
                    sort_rows(&root, col, desc);
                }
                show_page(&root, page);
            } else if let Ok(Some(button)) = target.closest("button[data-page]") {
                let rows = elements(&root, "tbody > tr").len();
                let forward = button.get_attribute("data-page").as_deref() == Some("next");
                state.update_value(|(_, page)| {
                    if forward && (*page + 1) * PAGE_ROWS < rows {
                        *page += 1;
                    } else if !forward {
                        *page = page.saturating_sub(1);
                    }
                });
                show_page(&root, state.get_value().1);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, root, state);
    };
    view! { <div class="table-sort" node_ref=root on:click=on_click>{children()}</div> }
}

#[cfg(feature = "hydrate")]
fn elements(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    use wasm_bindgen::JsCast;
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .collect()
}

/// A cell's key as the server wrote it.
#[cfg(feature = "hydrate")]
fn key_of(cell: Option<&web_sys::Element>) -> SortKey {
    let raw = cell
        .and_then(|c| c.get_attribute("data-sort"))
        .unwrap_or_default();
    if let Some(n) = raw.strip_prefix("n:") {
        n.parse().map(SortKey::Number).unwrap_or(SortKey::None)
    } else if let Some(t) = raw.strip_prefix("t:") {
        SortKey::Text(t.to_string())
    } else {
        SortKey::None
    }
}

/// Reorders the body's rows by column `col`.
#[cfg(feature = "hydrate")]
fn sort_rows(root: &web_sys::Element, col: usize, desc: bool) {
    let Ok(Some(body)) = root.query_selector("tbody") else {
        return;
    };
    let mut rows: Vec<(SortKey, web_sys::Element)> = elements(root, "tbody > tr")
        .into_iter()
        .map(|row| {
            let cells = elements(&row, ":scope > td, :scope > th");
            (key_of(cells.get(col)), row)
        })
        .collect();
    rows.sort_by(|a, b| compare_keys(&a.0, &b.0, desc));
    for (_, row) in rows {
        let _ = body.append_child(&row);
    }
}

/// Shows page `page` of the rows, and says which in the pager.
#[cfg(feature = "hydrate")]
fn show_page(root: &web_sys::Element, page: usize) {
    let rows = elements(root, "tbody > tr");
    let total = rows.len();
    let start = page * PAGE_ROWS;
    for (i, row) in rows.iter().enumerate() {
        if i >= start && i < start + PAGE_ROWS {
            let _ = row.remove_attribute("hidden");
        } else {
            let _ = row.set_attribute("hidden", "");
        }
    }
    if let Ok(Some(status)) = root.query_selector(".table-pager [role=status]") {
        status.set_text_content(Some(&format!(
            "Rows {}–{} of {}",
            start + 1,
            (start + PAGE_ROWS).min(total),
            crate::components::format::count(total as i64)
        )));
    }
    for button in elements(root, "button[data-page]") {
        let disabled = match button.get_attribute("data-page").as_deref() {
            Some("next") => start + PAGE_ROWS >= total,
            _ => page == 0,
        };
        if disabled {
            let _ = button.set_attribute("disabled", "");
        } else {
            let _ = button.remove_attribute("disabled");
        }
    }
}
