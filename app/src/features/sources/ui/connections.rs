//! Admin → Data sources → Shop connections: connect a shop (tested before it is saved), see each
//! connection's state and schedule, sync now, test, edit or rotate its credentials, register its
//! webhooks, see its sync history, delete it with or without its data.
use leptos::prelude::*;

use crate::components::format::count;
use crate::features::sources::api::{
    connection_syncs, get_source_contents, list_connections, ChangeConnection, CreateConnection,
    DeleteConnection, RegisterConnectionWebhooks, SyncConnection, TestConnection,
};
use crate::features::sources::types::{
    ConnectionChange, ConnectionSummary, NewConnection, SourceContents, SyncJob, TestReport,
};

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(crate::clock::time).unwrap_or_else(|| "—".to_string())
}

/// What the last action on a connection gave, shown above the list (the list itself is read
/// again after a change, so it cannot hold it).
#[derive(Clone, PartialEq)]
struct Notice {
    text: String,
    error: bool,
    test: Option<TestReport>,
}

impl Notice {
    fn of<T>(result: Result<T, crate::error::AppError>, ok: impl FnOnce(T) -> Notice) -> Notice {
        match result {
            Ok(value) => ok(value),
            Err(e) => Notice::error(e.to_string()),
        }
    }

    fn said(text: String) -> Notice {
        Notice {
            text,
            error: false,
            test: None,
        }
    }

    fn error(text: String) -> Notice {
        Notice {
            text,
            error: true,
            test: None,
        }
    }
}

/// The shop connections panel; `on_changed` refreshes the sources and runs around it.
#[component]
pub fn ConnectionsPanel(on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let connections = crate::codec::resource(|| (), |_| list_connections());
    let adding = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);
    let refresh = move || {
        connections.refetch();
        on_changed();
    };
    view! {
        <section class="panel" aria-label="Shop connections">
            <div class="panel-head">
                <h2 class="panel-title">"Shop connections"</h2>
                <button type="button" class="button primary" on:click=move |_| adding.update(|a| *a = !*a)>
                    {move || if adding.get() { "Close" } else { "Connect a shop…" }}
                </button>
            </div>
            <p class="muted small">
                "Orders, refunds, cancellations, customers and products straight from the shop, synced on a schedule "
                "(and as they happen, with webhooks). Credentials are stored encrypted and never shown again."
            </p>
            {move || adding.get().then(|| {
                let on_saved = Callback::new(move |()| refresh());
                Suspend::new(connect_form(adding, notice, on_saved))
            })}
            {move || notice.get().map(|n| {
                let class = if n.error { "notice form-error" } else { "notice" };
                view! {
                    <div class=class role=if n.error { "alert" } else { "status" }>
                        <p>{n.text}</p>
                        {n.test.map(|report| view! { <TestLines report/> })}
                    </div>
                }
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading connections…"</p> }>
                {move || connections.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No shop is connected yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-scroll" tabindex="0">
                            <table class="table stacked" aria-label="Connections">
                                <thead><tr>
                                    <th>"Name"</th><th>"Shop"</th><th>"State"</th><th>"Orders loaded up to"</th>
                                    <th>"Next sync"</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|c| view! { <ConnectionRow connection=c notice on_changed=refresh/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The connect form, its code fetched the first time it opens (`#[lazy]`: a WASM chunk of its
/// own, not part of what the page loads).
#[lazy]
fn connect_form(
    adding: RwSignal<bool>,
    notice: RwSignal<Option<Notice>>,
    on_saved: Callback<()>,
) -> AnyView {
    view! { <ConnectForm adding notice on_saved=move || on_saved.run(())/> }.into_any()
}

#[component]
fn ConnectForm(
    adding: RwSignal<bool>,
    notice: RwSignal<Option<Notice>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let create = ServerAction::<CreateConnection>::new();
    let name = RwSignal::new(String::new());
    let shop = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let minutes = RwSignal::new("15".to_string());
    let platform = RwSignal::new("shopify".to_string());
    let key_secret = RwSignal::new(String::new());
    let woo = move || platform.get() == "woocommerce";
    let magento = move || platform.get() == "magento";
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            notice.set(Some(Notice {
                text: format!(
                    "Connected to {}. Its first sync (the whole history) starts within a minute, or press Sync now.",
                    created.test.shop_name
                ),
                error: false,
                test: Some(created.test),
            }));
            adding.set(false);
            on_saved();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secret = secret.get_untracked();
        let key_secret = key_secret.get_untracked();
        create.dispatch(CreateConnection {
            new: NewConnection {
                name: name.get_untracked(),
                platform: platform.get_untracked(),
                shop_url: shop.get_untracked(),
                access_token: token.get_untracked(),
                access_secret: (!key_secret.trim().is_empty()).then_some(key_secret),
                sync_every_minutes: minutes.get_untracked().trim().parse().ok(),
                webhook_secret: (!secret.trim().is_empty()).then_some(secret),
            },
        });
    };
    view! {
        <form class="connect-form" on:submit=submit aria-label="Connect a shop">
            <label>"Name" <input type="text" required placeholder="My shop" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label>"Platform"
                <select aria-label="Platform" on:change=move |ev| platform.set(event_target_value(&ev))>
                    <option value="shopify" selected=move || !woo() && !magento()>"Shopify"</option>
                    <option value="woocommerce" selected=woo>"WooCommerce"</option>
                    <option value="magento" selected=magento>"Magento 2"</option>
                </select>
            </label>
            <label>"Shop" <input type="text" required placeholder=move || if woo() || magento() { "https://shop.example" } else { "mystore.myshopify.com" }
                prop:value=move || shop.get() on:input=move |ev| shop.set(event_target_value(&ev))/></label>
            <label>{move || if woo() { "Consumer key" } else if magento() { "Integration access token" } else { "Admin API access token" }}
                <input type="password" required autocomplete="off" placeholder=move || if woo() { "ck_…" } else if magento() { "" } else { "shpat_…" }
                    prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/></label>
            {move || woo().then(|| view! {
                <label>"Consumer secret" <input type="password" required autocomplete="off" placeholder="cs_…"
                    prop:value=move || key_secret.get() on:input=move |ev| key_secret.set(event_target_value(&ev))/></label>
            })}
            {move || (!magento()).then(|| view! {
                <label>"Webhook secret (optional)" <input type="password" autocomplete="off"
                    placeholder=move || if woo() { "the secret you give the webhooks" } else { "the app's API secret key" }
                    prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/></label>
            })}
            <label>"Sync every (minutes)" <input type="number" min="5" max="1440" prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev))/></label>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Testing the connection…" } else { "Test and connect" }}
                </button>
                <button type="button" class="button ghost" on:click=move |_| adding.set(false)>"Cancel"</button>
            </div>
            <p class="muted small">{move || if magento() {
                "In Magento's admin: System → Extensions → Integrations → Add New Integration with the resources Sales → Operations → Orders, Catalog → Inventory → Products and Stores → Settings (and Catalog to push prices back); activate it and copy its access token. Magento has no webhooks: its changes arrive with the schedule."
            } else if woo() {
                "In WordPress: WooCommerce → Settings → Advanced → REST API → Add key, permission Read (Read/Write to push prices back); copy its consumer key and secret. The store must be on https."
            } else {
                "In Shopify: Settings → Apps and sales channels → Develop apps → create an app with the scopes read_orders, read_all_orders, read_products, read_customers and read_inventory (and write_products to push prices back), install it and copy its Admin API access token."
            }}</p>
            {move || create.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        </form>
    }
}

/// What a test found, as lists.
#[component]
fn TestLines(report: TestReport) -> impl IntoView {
    view! {
        <ul class="test-report">
            {report.can_read.into_iter().map(|l| view! { <li class="ok">{format!("Can read {l}")}</li> }).collect_view()}
            {report.warnings.into_iter().map(|l| view! { <li class="warn">{l}</li> }).collect_view()}
            {report.problems.into_iter().map(|l| view! { <li class="bad">{l}</li> }).collect_view()}
        </ul>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Open {
    Nothing,
    History,
    Edit,
    Delete,
}

#[component]
fn ConnectionRow(
    connection: ConnectionSummary,
    notice: RwSignal<Option<Notice>>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = connection.id;
    let name = connection.name.clone();
    let open = RwSignal::new(Open::Nothing);
    let sync = ServerAction::<SyncConnection>::new();
    let test = ServerAction::<TestConnection>::new();
    let sync_name = name.clone();
    Effect::new(move |_| {
        if let Some(result) = sync.value().get() {
            notice.set(Some(Notice::of(result, |r| match r.error {
                None => Notice::said(format!(
                    "{sync_name}: synced {} pages, {} products, {} customers and {} orders in {:.1} s; {} rows inserted, {} updated.",
                    r.pages, r.products, r.customers, r.orders, r.seconds, count(r.inserted), count(r.updated)
                )),
                Some(e) => Notice::error(format!("{sync_name}: the sync stopped early: {e}")),
            })));
            on_changed();
        }
    });
    let test_name = name.clone();
    Effect::new(move |_| {
        if let Some(result) = test.value().get() {
            notice.set(Some(Notice::of(result, |report| Notice {
                text: format!("{test_name}: {}", report.shop_name),
                error: !report.problems.is_empty(),
                test: Some(report),
            })));
        }
    });
    // While a sync runs, its progress (pages and orders so far) is read every second.
    let ticks = RwSignal::new(0u32);
    Effect::new(
        move |previous: Option<Option<leptos::prelude::IntervalHandle>>| {
            if let Some(Some(handle)) = previous {
                handle.clear();
            }
            sync.pending()
                .get()
                .then(|| {
                    leptos::prelude::set_interval_with_handle(
                        move || ticks.update(|t| *t += 1),
                        std::time::Duration::from_secs(1),
                    )
                    .ok()
                })
                .flatten()
        },
    );
    let progress = LocalResource::new(move || {
        let asked = ticks.get() > 0;
        async move {
            if !asked {
                return None;
            }
            connection_syncs(id)
                .await
                .ok()
                .and_then(|jobs| jobs.into_iter().find(|j| j.state == "running"))
        }
    });
    let syncing_text = move || match progress.get().flatten() {
        Some(job) if job.pages > 0 => {
            let rate = job
                .seconds
                .filter(|s| *s > 0.5)
                .map(|s| {
                    format!(
                        " ({} orders/s)",
                        count((job.orders as f64 / s).round() as i64)
                    )
                })
                .unwrap_or_default();
            format!(
                "Syncing… {} pages, {} orders{rate}",
                count(job.pages),
                count(job.orders)
            )
        }
        _ => "Syncing…".to_string(),
    };
    let toggle =
        move |what: Open| open.update(|o| *o = if *o == what { Open::Nothing } else { what });
    let c = connection.clone();
    let (state, state_text) = (c.status.clone(), c.status.clone());
    view! {
        <tr>
            <td data-label="Name">{c.name.clone()}<br/><span class="muted small">{c.platform.clone()}</span></td>
            <td data-label="Shop" class="wrap">{c.shop_name.clone().unwrap_or_default()}<br/><span class="muted small">{c.shop_url.clone()}</span></td>
            <td data-label="State">
                <span class="state-badge" data-state=state>{state_text}</span>
                {c.last_error.clone().map(|e| view! { <p class="form-error small">{e}</p> })}
            </td>
            <td data-label="Orders loaded up to">{when(c.synced_through)}</td>
            <td data-label="Next sync">{c.next_sync_at.map_or_else(|| "soon".to_string(), |t| when(Some(t)))}<br/><span class="muted small">{format!("every {} min", c.sync_every_minutes)}</span></td>
            <td><div class="actions">
                <button type="button" class="button" disabled=move || sync.pending().get()
                    on:click=move |_| { sync.dispatch(SyncConnection { id }); }>
                    {move || if sync.pending().get() { syncing_text() } else { "Sync now".to_string() }}
                </button>
                <button type="button" class="button ghost" disabled=move || test.pending().get()
                    on:click=move |_| { test.dispatch(TestConnection { id }); }>"Test"</button>
                <button type="button" class="button ghost" on:click=move |_| toggle(Open::History)>"History"</button>
                <button type="button" class="button ghost" on:click=move |_| toggle(Open::Edit)>"Edit…"</button>
                <button type="button" class="button ghost" on:click=move |_| toggle(Open::Delete)>"Delete…"</button>
            </div></td>
        </tr>
        {move || match open.get() {
            Open::Nothing => None,
            what => {
                let on_changed = Callback::new(move |()| on_changed());
                Some(Suspend::new(row_detail(what, connection.clone(), open, notice, on_changed)))
            }
        }}
    }
}

/// A connection's history, edit form or delete choice, their code fetched the first time one
/// opens (`#[lazy]`: a WASM chunk of its own, not part of what the page loads).
#[lazy]
fn row_detail(
    what: Open,
    connection: ConnectionSummary,
    open: RwSignal<Open>,
    notice: RwSignal<Option<Notice>>,
    on_changed: Callback<()>,
) -> AnyView {
    let id = connection.id;
    let on_changed = move || on_changed.run(());
    match what {
        Open::Nothing => ().into_any(),
        Open::History => view! { <tr class="detail"><td colspan="6"><History id/></td></tr> }.into_any(),
        Open::Edit => view! { <tr class="detail"><td colspan="6"><EditForm connection=connection.clone() open notice on_saved=on_changed/></td></tr> }.into_any(),
        Open::Delete => view! { <tr class="detail"><td colspan="6"><DeleteChoice id name=connection.name.clone() notice on_deleted=on_changed/></td></tr> }.into_any(),
    }
}

#[component]
fn History(id: i64) -> impl IntoView {
    let jobs = crate::codec::resource(move || id, connection_syncs);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading syncs…"</p> }>
            {move || jobs.get().map(|result| match result {
                Ok(list) => view! {
                    <div class="table-scroll" tabindex="0"><table class="table compact" aria-label="Sync history">
                        <thead><tr><th>"Why"</th><th>"State"</th><th>"Due / started"</th><th class="num">"Seconds"</th>
                            <th class="num">"Orders"</th><th class="num">"Inserted"</th><th class="num">"Updated"</th><th>"Runs"</th><th>"Error"</th></tr></thead>
                        <tbody>{list.into_iter().map(|j: SyncJob| view! {
                            <tr>
                                <td>{j.reason.clone()}</td>
                                <td><span class="state-badge" data-state=j.state.clone()>{j.state.clone()}</span></td>
                                <td>{when(j.started_at.or(Some(j.due_at)))}</td>
                                <td class="num">{j.seconds.map(|s| format!("{s:.1}")).unwrap_or_default()}</td>
                                <td class="num">{count(j.orders)}</td>
                                <td class="num">{count(j.inserted)}</td>
                                <td class="num">{count(j.updated)}</td>
                                <td>{j.run_ids.iter().map(|r| format!("#{r}")).collect::<Vec<_>>().join(", ")}</td>
                                <td class="wrap">{j.error.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn EditForm(
    connection: ConnectionSummary,
    open: RwSignal<Open>,
    notice: RwSignal<Option<Notice>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = connection.id;
    let change = ServerAction::<ChangeConnection>::new();
    let webhooks = ServerAction::<RegisterConnectionWebhooks>::new();
    let token = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let minutes = RwSignal::new(connection.sync_every_minutes.to_string());
    let key_secret = RwSignal::new(String::new());
    let woo = connection.platform == "woocommerce";
    let name = connection.name.clone();
    Effect::new(move |_| {
        if let Some(Ok(changed)) = change.value().get() {
            notice.set(Some(Notice {
                text: format!("{name}: saved."),
                error: false,
                test: changed.test,
            }));
            on_saved();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (token, secret) = (token.get_untracked(), secret.get_untracked());
        let key_secret = key_secret.get_untracked();
        change.dispatch(ChangeConnection {
            id,
            change: ConnectionChange {
                shop_url: None,
                access_token: (!token.trim().is_empty()).then_some(token),
                access_secret: (!key_secret.trim().is_empty()).then_some(key_secret),
                sync_every_minutes: minutes.get_untracked().trim().parse().ok(),
                webhook_secret: (!secret.trim().is_empty()).then_some(secret),
            },
        });
    };
    let registered = connection.webhooks_registered_at;
    view! {
        <form class="connect-form" on:submit=submit aria-label="Edit the connection">
            <label>{if woo { "New consumer key (rotates the key; tested first)" } else { "New access token (rotates it; tested first)" }}
                <input type="password" autocomplete="off" placeholder="leave empty to keep" prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev))/></label>
            {woo.then(|| view! {
                <label>"Its consumer secret" <input type="password" autocomplete="off" placeholder="with a new key" prop:value=move || key_secret.get() on:input=move |ev| key_secret.set(event_target_value(&ev))/></label>
            })}
            <label>{if connection.webhook_secret_set { "New webhook secret (one is stored)" } else { "Webhook secret (none stored)" }}
                <input type="password" autocomplete="off" placeholder="leave empty to keep" prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/></label>
            <label>"Sync every (minutes)" <input type="number" min="5" max="1440" prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev))/></label>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || change.pending().get()>
                    {move || if change.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="button" disabled=move || webhooks.pending().get()
                    on:click=move |_| { webhooks.dispatch(RegisterConnectionWebhooks { id }); }>"Register webhooks"</button>
                <button type="button" class="button ghost" on:click=move |_| open.set(Open::Nothing)>"Close"</button>
            </div>
            <p class="muted small">{match registered {
                Some(t) => format!("Webhooks registered {}.", when(Some(t))),
                None => "Webhooks are not registered: orders arrive with the scheduled syncs. Registering needs a webhook secret and STOREPULSE_PUBLIC_URL.".to_string(),
            }}</p>
            {move || change.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
            {move || webhooks.value().get().map(|r| match r {
                Ok(w) => view! { <p role="status">{format!("Webhooks registered: {} → {}", w.topics.join(", "), w.address)}</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </form>
    }
}

/// Deleting asks what to do with the data, naming how much there is.
#[component]
fn DeleteChoice(
    id: i64,
    name: String,
    notice: RwSignal<Option<Notice>>,
    on_deleted: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let contents = crate::codec::resource(move || id, get_source_contents);
    let delete = ServerAction::<DeleteConnection>::new();
    Effect::new(move |_| {
        if let Some(Ok(gone)) = delete.value().get() {
            notice.set(Some(Notice::said(if gone.data_kept {
                format!(
                    "Deleted the connection '{}'; its {} orders, {} customers and {} products stay (as a paused source).",
                    gone.name, count(gone.orders), count(gone.customers), count(gone.products)
                )
            } else {
                format!(
                    "Deleted the connection '{}' with its {} orders, {} customers and {} products.",
                    gone.name, count(gone.orders), count(gone.customers), count(gone.products)
                )
            })));
            on_deleted();
        }
    });
    view! {
        <div class="confirm" role="alertdialog" aria-label="Delete the connection">
            <Transition fallback=|| view! { <p class="loading">"Counting its data…"</p> }>
                {move || contents.get().map(|r| match r {
                    Ok(SourceContents { orders, order_lines, customers, products }) => format!(
                        "Delete the connection '{name}'? It holds {} orders ({} order lines), {} customers and {} products.",
                        count(orders), count(order_lines), count(customers), count(products)),
                    Err(e) => e.to_string(),
                })}
            </Transition>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| { delete.dispatch(DeleteConnection { id, keep_data: true }); }>
                    "Delete the connection, keep its data"
                </button>
                <button type="button" class="button danger" on:click=move |_| { delete.dispatch(DeleteConnection { id, keep_data: false }); }>
                    "Delete the connection and its data"
                </button>
            </div>
            {move || delete.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error">{e.to_string()}</p> })}
        </div>
    }
}
