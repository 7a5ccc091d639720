use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::format::count;
use crate::components::AppShell;
use crate::features::sources::api::{
    get_run, get_source_contents, list_runs, list_sources, preview_upload, DeleteSource,
    UpdateSourceSettings,
};
use crate::features::sources::types::{
    DateOrder, IngestRun, SourceContents, SourceSettings, SourceSummary, UploadPreview,
};

/// Where an upload is. (Only the browser moves it past `Idle`.)
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Upload {
    Idle,
    Sending { percent: f64 },
    Loading { run: Option<IngestRun>, run_id: i64 },
    Done(IngestRun),
    Failed(String),
}

/// Admin → Data sources: upload files, follow their load, see every run, delete a source.
#[component]
pub fn SourcesPage() -> impl IntoView {
    view! {
        <Title text="Data sources · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"Data sources"</h1></div>
            <p class="muted">
                "Upload a transaction log (like the Online Retail data), a star-schema export (customers, products "
                "and sales files together), a catalog with stock, or competitor prices — as CSV, CSV.gz or XLSX. "
                "A load is all or nothing: if rows are rejected, nothing is loaded and the error report says which and why."
            </p>
            <SourcesIsland/>
        </AppShell>
    }
}

/// The page's panels, in the browser (`lazy`: its own WASM chunk, fetched on this page only):
/// upload with its progress, the shop connections, the sources with their settings and delete,
/// the runs. One island, as an upload, a sync or a delete refreshes the lists of the others.
#[island(lazy)]
pub fn SourcesIsland() -> impl IntoView {
    crate::clock::provide_in_island();
    let sources = crate::codec::resource(|| (), |_| list_sources());
    let runs = crate::codec::resource(|| (), |_| list_runs(None));
    let upload = RwSignal::new(Upload::Idle);
    let editing = RwSignal::new(None::<SourceSummary>);
    let refresh = move || {
        sources.refetch();
        runs.refetch();
    };
    Effect::new(move |_| {
        if matches!(upload.get(), Upload::Done(_)) {
            refresh();
        }
    });

    view! {
            <UploadPanel upload/>
            <super::connections::ConnectionsPanel on_changed=refresh/>
            <section class="panel" aria-label="Sources">
                <h2 class="panel-title">"Sources"</h2>
                <Transition fallback=|| view! { <p class="loading">"Loading sources…"</p> }>
                    {move || sources.get().map(|result| match result {
                        Ok(list) => view! {
                            <div class="table-scroll" tabindex="0"><table class="table">
                                <thead><tr>
                                    <th>"Name"</th><th>"Kind"</th><th class="num">"Orders"</th><th class="num">"Customers"</th>
                                    <th class="num">"Products"</th><th>"Last run"</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| {
                                        let last = s.last_run.clone();
                                        view! {
                                            <tr>
                                                <td>{s.name.clone()}</td>
                                                <td>{s.kind.clone()}</td>
                                                <td class="num">{count(s.orders)}</td>
                                                <td class="num">{count(s.customers)}</td>
                                                <td class="num">{count(s.products)}</td>
                                                <td>{last.map(|r| view! { <StateBadge state=r.state.clone()/> " " {crate::clock::time(r.started_at)} })}</td>
                                                <td><div class="actions">
                                                    {(s.kind == "file").then(|| {
                                                        let chosen = s.clone();
                                                        view! { <button type="button" class="button ghost" on:click=move |_| editing.set(Some(chosen.clone()))>"Settings…"</button> }
                                                    })}
                                                    <DeleteButton id=s.id name=s.name.clone() on_deleted=refresh/>
                                                </div></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            {move || editing.get().map(|source| {
                let on_saved = Callback::new(move |()| refresh());
                Suspend::new(settings_form(source, editing, on_saved))
            })}
            <section class="panel" aria-label="Runs">
                <h2 class="panel-title">"Runs"</h2>
                <Transition fallback=|| view! { <p class="loading">"Loading runs…"</p> }>
                    {move || runs.get().map(|result| match result {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No uploads yet."</p> }.into_any(),
                        Ok(list) => view! { <RunTable runs=list upload/> }.into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
    }
}

#[component]
fn StateBadge(state: String) -> impl IntoView {
    let text = state.clone();
    view! { <span class="state-badge" data-state=state>{text}</span> }
}

#[component]
fn UploadPanel(upload: RwSignal<Upload>) -> impl IntoView {
    let input: NodeRef<Input> = NodeRef::new();
    let chosen = RwSignal::new(Vec::<(String, f64)>::new());
    let source = RwSignal::new("Uploads".to_string());
    let format = RwSignal::new("auto".to_string());
    let dragging = RwSignal::new(false);
    let date_order = RwSignal::new("auto".to_string());
    let preview = RwSignal::new(None::<Result<UploadPreview, String>>);
    let refresh_preview = move || {
        #[cfg(feature = "hydrate")]
        preview_first_file(
            input,
            format.get_untracked(),
            date_order.get_untracked(),
            preview,
        );
    };

    let note_files = move || {
        #[cfg(feature = "hydrate")]
        if let Some(files) = input.get_untracked().and_then(|i| i.files()) {
            chosen.set(
                (0..files.length())
                    .filter_map(|i| files.get(i))
                    .map(|f| (f.name(), f.size()))
                    .collect(),
            );
        }
        refresh_preview();
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let (Some(dt), Some(el)) = (ev.data_transfer(), input.get_untracked()) {
            el.set_files(dt.files().as_ref());
        }
        note_files();
    };
    let busy = move || {
        matches!(
            upload.get(),
            Upload::Sending { .. } | Upload::Loading { .. }
        )
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if chosen.get_untracked().is_empty() {
            upload.set(Upload::Failed("Choose or drop a file first.".into()));
            return;
        }
        let url = format!(
            "/api/v1/ingest?wait=false&format={}&source={}&date_order={}",
            format.get_untracked(),
            js_encode(&source.get_untracked()),
            date_order.get_untracked()
        );
        #[cfg(feature = "hydrate")]
        if let Some(el) = input.get_untracked() {
            send(el, url, upload);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = url;
    };

    view! {
        <section class="panel" aria-label="Upload">
            <h2 class="panel-title">"Upload"</h2>
            <form class="upload-form" on:submit=start>
                <label
                    class="dropzone"
                    class:dragging=move || dragging.get()
                    on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop
                >
                    <input node_ref=input type="file" name="file" multiple accept=".csv,.gz,.xlsx,text/csv"
                        aria-label="Files to upload" on:change=move |_| note_files()/>
                    <span class="dropzone-text">
                        {move || {
                            let files = chosen.get();
                            if files.is_empty() {
                                "Drop files here, or click to choose (CSV, CSV.gz, XLSX)".to_string()
                            } else {
                                files.iter().map(|(n, size)| format!("{n} ({})", file_size(*size))).collect::<Vec<_>>().join(", ")
                            }
                        }}
                    </span>
                </label>
                <div class="upload-options">
                    <label>"Source"
                        <input type="text" maxlength="200" prop:value=move || source.get() on:input=move |ev| source.set(event_target_value(&ev)) aria-label="Source name"/>
                    </label>
                    <label>"Format"
                        <select aria-label="Format" on:change=move |ev| { format.set(event_target_value(&ev)); refresh_preview(); }>
                            <option value="auto" selected>"Recognise from the header"</option>
                            <option value="transactions">"Transaction log"</option>
                            <option value="star">"Star schema (customers, products, sales)"</option>
                            <option value="catalog">"Catalog and stock"</option>
                            <option value="competitor">"Competitor prices"</option>
                        </select>
                    </label>
                    <label>"Dates"
                        <select aria-label="Date order" on:change=move |ev| { date_order.set(event_target_value(&ev)); refresh_preview(); }>
                            <option value="auto" selected>"As the file suggests"</option>
                            <option value="month_first">"Month first (M/D/YYYY)"</option>
                            <option value="day_first">"Day first (D/M/YYYY)"</option>
                        </select>
                    </label>
                    <button type="submit" class="button primary" disabled=busy>"Upload and load"</button>
                </div>
            </form>
            <PreviewPanel preview/>
            <UploadStatus upload/>
        </section>
    }
}

/// `2.8 MB`, `14 KB`.
fn file_size(bytes: f64) -> String {
    if bytes >= 1_048_576.0 {
        format!("{:.1} MB", bytes / 1_048_576.0)
    } else {
        format!("{} KB", (bytes / 1024.0).ceil() as u64)
    }
}

/// Reads the start of the first chosen CSV file and asks the server how it would be loaded.
#[cfg(feature = "hydrate")]
fn preview_first_file(
    input: NodeRef<Input>,
    format: String,
    date_order: String,
    preview: RwSignal<Option<Result<UploadPreview, String>>>,
) {
    let Some(file) = input
        .get_untracked()
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
    else {
        preview.set(None);
        return;
    };
    let name = file.name().to_lowercase();
    if !(name.ends_with(".csv") || name.ends_with(".txt")) {
        preview.set(Some(Err(
            "Compressed (.gz) and spreadsheet (.xlsx) files are recognised when they load.".into(),
        )));
        return;
    }
    let whole_file = file.size() <= 65_536.0;
    let Ok(head) = file.slice_with_i32_and_i32(0, 65_536) else {
        return;
    };
    let text = head.text();
    leptos::task::spawn_local(async move {
        let sample = wasm_bindgen_futures::JsFuture::from(text)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let result = preview_upload(
            sample,
            whole_file,
            format.parse().unwrap_or_default(),
            date_order.parse().unwrap_or_default(),
        )
        .await;
        preview.set(Some(result.map_err(|e| e.to_string())));
    });
}

#[cfg(not(feature = "hydrate"))]
#[allow(dead_code)]
fn preview_first_file(
    _: NodeRef<Input>,
    _: String,
    _: String,
    _: RwSignal<Option<Result<UploadPreview, String>>>,
) {
    let _ = preview_upload;
}

/// How the chosen file would be read: shown before anything is loaded.
#[component]
fn PreviewPanel(preview: RwSignal<Option<Result<UploadPreview, String>>>) -> impl IntoView {
    move || {
        preview.get().map(|result| match result {
            Err(message) => view! { <p class="muted small" role="note">{message}</p> }.into_any(),
            Ok(p) => {
                let dates = p.date_order.map(|order| {
                    let how = if p.guessed { "guessed from the first rows — change it with Dates if wrong" } else { "as chosen" };
                    format!("Dates read {order} ({how}).")
                });
                view! {
                    <div class="preview" role="note" aria-label="File preview">
                        {match (&p.format, &p.problem) {
                            (Some(format), _) => view! { <p><strong>{format!("Recognised as {format}.")}</strong>" " {dates.unwrap_or_default()}</p> }.into_any(),
                            (None, Some(problem)) => view! { <p class="form-error">{problem.clone()}</p> }.into_any(),
                            _ => ().into_any(),
                        }}
                        <p class="muted small">{format!("Columns: {}", p.columns.join(", "))}</p>
                        {(!p.row_problems.is_empty()).then(|| view! {
                            <ul class="notes">{p.row_problems.iter().map(|r| view! { <li class="form-error">{r.clone()}</li> }).collect_view()}</ul>
                        })}
                    </div>
                }.into_any()
            }
        })
    }
}

/// Encodes a query-string value.
fn js_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends the chosen files with XMLHttpRequest (for upload progress), then follows the run.
#[cfg(feature = "hydrate")]
fn send(input: web_sys::HtmlInputElement, url: String, upload: RwSignal<Upload>) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(files) = input.files() else { return };
    let Ok(form) = web_sys::FormData::new() else {
        return;
    };
    for file in (0..files.length()).filter_map(|i| files.get(i)) {
        let _ = form.append_with_blob_and_filename("file", &file, &file.name());
    }
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return;
    };
    if xhr.open("POST", &url).is_err() {
        return;
    }
    upload.set(Upload::Sending { percent: 0.0 });
    if let Ok(target) = xhr.upload() {
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    upload.set(Upload::Sending {
                        percent: ev.loaded() / ev.total() * 100.0,
                    });
                }
            });
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let done = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = done.status().unwrap_or(0);
        let body = done.response_text().ok().flatten().unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        match (status, json["run_id"].as_i64()) {
            (202, Some(run_id)) => {
                upload.set(Upload::Loading { run: None, run_id });
                follow(run_id, upload);
            }
            _ => upload.set(Upload::Failed(
                json["error"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("The upload failed (HTTP {status}).")),
            )),
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        upload.set(Upload::Failed(
            "The upload broke off: is the server running?".into(),
        ))
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    let _ = xhr.send_with_opt_form_data(Some(&form));
}

/// Polls a run until it is no longer running.
#[cfg(feature = "hydrate")]
fn follow(run_id: i64, upload: RwSignal<Upload>) {
    leptos::task::spawn_local(async move {
        match get_run(run_id).await {
            Ok(run) if run.state == "running" => {
                upload.set(Upload::Loading {
                    run: Some(run),
                    run_id,
                });
                set_timeout(
                    move || follow(run_id, upload),
                    std::time::Duration::from_millis(500),
                );
            }
            Ok(run) => upload.set(Upload::Done(run)),
            Err(err) => upload.set(Upload::Failed(err.to_string())),
        }
    });
}

#[cfg(not(feature = "hydrate"))]
#[allow(dead_code)]
fn follow(_run_id: i64, _upload: RwSignal<Upload>) {
    let _ = get_run;
}

#[component]
fn ProgressBar(#[prop(into)] label: String, fraction: Option<f64>) -> impl IntoView {
    let pct = fraction.map(|f| (f * 100.0).clamp(0.0, 100.0));
    view! {
        <div class="progress" role="progressbar" aria-label=label.clone()
            aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct.map(|p| format!("{p:.0}"))>
            <div class="progress-fill" class:indeterminate=pct.is_none()
                style=pct.map(|p| format!("width: {p:.1}%")).unwrap_or_else(|| "width: 30%".into())></div>
        </div>
        <p class="progress-label">{label}</p>
    }
}

#[component]
fn UploadStatus(upload: RwSignal<Upload>) -> impl IntoView {
    move || match upload.get() {
        Upload::Idle => ().into_any(),
        Upload::Sending { percent } => view! {
            <ProgressBar label=format!("Uploading… {percent:.0}%") fraction=Some(percent / 100.0)/>
        }
        .into_any(),
        Upload::Loading { run, run_id } => {
            let (label, fraction) = match &run {
                Some(r) => {
                    let now = chrono::Utc::now();
                    let rate = r
                        .rate(now)
                        .map(|v| format!(" · {} rows/s", count(v as i64)))
                        .unwrap_or_default();
                    let pct = r
                        .fraction_done()
                        .map(|f| format!(" · {:.0}%", f * 100.0))
                        .unwrap_or_default();
                    (
                        format!(
                            "Loading run {run_id}: {} rows read{pct}{rate}",
                            count(r.rows_read)
                        ),
                        r.fraction_done(),
                    )
                }
                None => (format!("Loading run {run_id}…"), None),
            };
            view! { <ProgressBar label fraction/> }.into_any()
        }
        Upload::Done(run) => view! { <RunSummaryCard run/> }.into_any(),
        Upload::Failed(message) => {
            view! { <p class="form-error" role="alert">{message}</p> }.into_any()
        }
    }
}

#[component]
fn RunSummaryCard(run: IngestRun) -> impl IntoView {
    let ok = run.state == "succeeded";
    let seconds = run
        .finished_at
        .map(|f| (f - run.started_at).num_milliseconds() as f64 / 1000.0)
        .unwrap_or(0.0);
    view! {
        <div class="run-summary" class:failed=!ok role="status" aria-label="Run summary">
            <p class="run-summary-head">
                <StateBadge state=run.state.clone()/>
                {format!(" Run {} · {} · {:.1} s", run.id, run.file_name.clone().unwrap_or_default(), seconds)}
            </p>
            <p>
                {format!("Read {} · inserted {} · updated {} · rejected {}",
                    count(run.rows_read), count(run.rows_inserted), count(run.rows_updated), count(run.rows_rejected))}
            </p>
            {run.error.clone().map(|e| view! { <p class="form-error">{e}</p> })}
            {(run.rows_rejected > 0).then(|| view! {
                <a class="button ghost" href=format!("/api/v1/ingest-runs/{}/rejections.csv", run.id) download>
                    "Download the rejected rows (CSV)"
                </a>
            })}
            <ul class="notes">{run.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
        </div>
    }
}

#[component]
fn RunTable(runs: Vec<IngestRun>, upload: RwSignal<Upload>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0"><table class="table">
            <thead><tr>
                <th>"Run"</th><th>"Files"</th><th>"State"</th><th class="num">"Read"</th><th class="num">"Inserted"</th>
                <th class="num">"Updated"</th><th class="num">"Rejected"</th><th>"Started"</th><th></th>
            </tr></thead>
            <tbody>
                {runs.into_iter().map(|r| {
                    let id = r.id;
                    view! {
                        <tr>
                            <td>{r.id}</td>
                            <td class="wrap">{r.file_name.clone().unwrap_or_default()}</td>
                            <td><StateBadge state=r.state.clone()/></td>
                            <td class="num">{count(r.rows_read)}</td>
                            <td class="num">{count(r.rows_inserted)}</td>
                            <td class="num">{count(r.rows_updated)}</td>
                            <td class="num">{count(r.rows_rejected)}</td>
                            <td>{crate::clock::time_precise(r.started_at)}</td>
                            <td><div class="actions">
                                {(r.rows_rejected > 0).then(|| view! {
                                    <a href=format!("/api/v1/ingest-runs/{id}/rejections.csv") download>"Error report"</a>
                                })}
                                {r.retryable.then(|| view! {
                                    <button type="button" class="button ghost" on:click=move |_| retry(id, upload)>"Retry"</button>
                                })}
                                {r.error.clone().map(|e| view! { <span class="muted small" title=e.clone()>"why?"</span> })}
                            </div></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

fn retry(run_id: i64, upload: RwSignal<Upload>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
            return;
        };
        if xhr
            .open("POST", &format!("/api/v1/ingest-runs/{run_id}/retry"))
            .is_err()
        {
            return;
        }
        let done = xhr.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let body = done.response_text().ok().flatten().unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            match json["run_id"].as_i64() {
                Some(id) => {
                    upload.set(Upload::Loading {
                        run: None,
                        run_id: id,
                    });
                    follow(id, upload);
                }
                None => upload.set(Upload::Failed(
                    json["error"]
                        .as_str()
                        .unwrap_or("The retry failed.")
                        .to_string(),
                )),
            }
        });
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let _ = xhr.send();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (run_id, upload);
}

/// Delete with a confirmation that says how much goes.
#[component]
fn DeleteButton(
    id: i64,
    name: String,
    on_deleted: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let contents = RwSignal::new(None::<SourceContents>);
    let delete = ServerAction::<DeleteSource>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            contents.set(None);
            on_deleted();
        }
    });
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(c) = get_source_contents(id).await {
                contents.set(Some(c));
            }
        });
    };
    view! {
        {move || match contents.get() {
            None => view! { <button type="button" class="button ghost" on:click=ask>"Delete…"</button> }.into_any(),
            Some(c) => {
                let message = format!(
                    "Delete '{}'? This removes {} orders, {} order lines, {} customers and {} products. It cannot be undone.",
                    name, count(c.orders), count(c.order_lines), count(c.customers), count(c.products)
                );
                view! {
                    <div class="confirm" role="alertdialog" aria-label="Confirm delete">
                        <p>{message}</p>
                        <button type="button" class="button danger" on:click=move |_| { delete.dispatch(DeleteSource { id }); }>"Delete"</button>
                        <button type="button" class="button ghost" on:click=move |_| contents.set(None)>"Cancel"</button>
                        {move || delete.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error">{e.to_string()}</p> })}
                    </div>
                }.into_any()
            }
        }}
    }
}

/// A source's settings form, its code fetched the first time one opens (`#[lazy]`: a WASM chunk
/// of its own, not part of what the page loads).
#[lazy]
fn settings_form(
    source: SourceSummary,
    editing: RwSignal<Option<SourceSummary>>,
    on_saved: Callback<()>,
) -> AnyView {
    view! { <SettingsForm source editing on_saved=move || on_saved.run(())/> }.into_any()
}

/// How a source's files are read: date order, time zone, rejected-rows limit.
#[component]
fn SettingsForm(
    source: SourceSummary,
    editing: RwSignal<Option<SourceSummary>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let save = ServerAction::<UpdateSourceSettings>::new();
    let order = RwSignal::new(source.settings.date_order);
    let timezone = RwSignal::new(source.settings.timezone.clone().unwrap_or_default());
    let limit = RwSignal::new(source.settings.max_rejected_percent.to_string());
    let id = source.id;
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            editing.set(None);
            on_saved();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tz = timezone.get_untracked().trim().to_string();
        let settings = SourceSettings {
            date_order: order.get_untracked(),
            timezone: (!tz.is_empty()).then_some(tz),
            max_rejected_percent: limit.get_untracked().trim().parse().unwrap_or(-1.0),
        };
        save.dispatch(UpdateSourceSettings { id, settings });
    };
    view! {
        <section class="panel" aria-label="Source settings">
            <h2 class="panel-title">{format!("Settings of '{}'", source.name)}</h2>
            <form class="upload-options" on:submit=submit>
                <label>"Date order"
                    <select aria-label="Source date order" on:change=move |ev| order.set(event_target_value(&ev).parse().unwrap_or_default())>
                        {[(DateOrder::Auto, "Guess from the rows"), (DateOrder::MonthFirst, "Month first (M/D/YYYY)"), (DateOrder::DayFirst, "Day first (D/M/YYYY)")]
                            .into_iter()
                            .map(|(value, label)| {
                                let key = serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                                view! { <option value=key selected=move || order.get() == value>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>"Time zone of the file's times"
                    <input type="text" placeholder="the store's (e.g. Europe/London)" prop:value=move || timezone.get()
                        on:input=move |ev| timezone.set(event_target_value(&ev)) aria-label="Source time zone"/>
                </label>
                <label>"Rejected rows allowed (%)"
                    <input type="number" min="0" max="100" step="0.1" prop:value=move || limit.get()
                        on:input=move |ev| limit.set(event_target_value(&ev)) aria-label="Rejected rows allowed"/>
                </label>
                <button type="submit" class="button primary">"Save"</button>
                <button type="button" class="button ghost" on:click=move |_| editing.set(None)>"Cancel"</button>
            </form>
            <p class="muted small">"0% means any rejected row fails the whole run, so nothing is ever half loaded."</p>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}
