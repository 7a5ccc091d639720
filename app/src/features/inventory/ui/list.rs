//! A product table's panel (the stock table, the price recommendations): 50 products a page,
//! narrowed, searched and sorted by the server over every product (a shop's whole catalogue is
//! not sent to the page). Its narrowing, search, sort and page live in the URL: Back from a
//! product finds them.
use std::future::Future;

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::components::table::{range_export, url_search, SearchBox, ServerPaging};
use crate::components::{Cell, Section};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
use crate::features::inventory::list::{ListPage, ListQuery, ProductRow};

/// How a product table is named and where it keeps its state.
pub(super) struct ListPanel {
    /// The panel's heading and accessible name.
    pub title: &'static str,
    /// What loads, for the placeholder and screen readers.
    pub what: &'static str,
    /// The JSON route that lists every product of the range (the CSV export).
    pub export: &'static str,
    /// The URL keys of its search, sort and page.
    pub keys: [&'static str; 3],
}

impl ListPanel {
    /// The panel over rows `T`: `control` draws the narrowing `only` (given the paging, to go
    /// back to the first page when it changes), `fetch` asks the server for a page `P` and
    /// `note` writes a line above the table from it.
    pub fn view<T, P, Fut>(
        self,
        filter: Memo<DashboardFilter>,
        only: RwSignal<T::Only>,
        control: impl FnOnce(ServerPaging) -> AnyView,
        fetch: fn(DashboardFilter, ListQuery<T::Only>) -> Fut,
        note: fn(&P) -> Option<String>,
    ) -> impl IntoView
    where
        T: ProductRow + Send + Sync + 'static,
        T::Only: Clone + PartialEq + Send + Sync + 'static,
        P: AsRef<ListPage<T>> + Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
        Fut: Future<Output = Result<P, AppError>> + Send + 'static,
    {
        let [search_key, sort_key, page_key] = self.keys;
        let search = url_search(search_key);
        let paging = ServerPaging::new(filter, (sort_key, page_key), T::columns().len());
        // A decision or an acknowledged signal changes the figures: ask again.
        let changed = expect_context::<super::state::SignalsChanged>().0;
        let products = crate::codec::resource(
            move || {
                let (sort, descending) = paging.order();
                let query = ListQuery {
                    only: only.get(),
                    search: search.get(),
                    sort,
                    descending,
                    page: paging.page.get(),
                };
                (filter.get(), query, changed.get())
            },
            move |(filter, query, _)| fetch(filter, query),
        );
        let link = crate::components::product_link();
        let export = range_export(self.export, filter);
        let table = move |data: P| {
            let list = data.as_ref();
            let rows: Vec<Vec<Cell>> = list
                .products
                .iter()
                .map(|p| p.cells(&list.currency, link(p.product_id())))
                .collect();
            view! {
                {note(&data).map(|text| view! { <p class="muted small list-note">{text}</p> })}
                {paging.table(T::columns(), rows, (list.total, list.page), "No products match.")}
            }
        };
        view! {
            <section class="panel" aria-label=self.title>
                <div class="panel-head">
                    <h2 class="panel-title">{self.title}</h2>
                    {export}
                </div>
                <div class="table-tools">
                    {control(paging)}
                    <SearchBox search paging placeholder="SKU or name"/>
                </div>
                <Section what=self.what resource=products view=table/>
            </section>
        }
    }
}
