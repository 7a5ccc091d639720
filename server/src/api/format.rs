//! `format=json|csv`: the one responder of the routes that export, and the CSV download that
//! writes any [`CsvRow`]s with every cell made spreadsheet-safe.
use std::marker::PhantomData;

use app::caller::Caller;
use app::dashboard::filter::DashboardFilter;
use app::error::AppError;
use app::export::{spreadsheet_safe, CsvRow};
use app::features::embed::types::Dashboard;
use app::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::Query;
use serde::{Deserialize, Serialize};

use super::authorize_dashboard;

/// `format=json` (default) or `format=csv`; CSV is an export, which takes the analyst role.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// json (default) or csv (analysts and admins, or an embed that allows exports).
    pub format: Option<String>,
}

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// The `format` parameter: absent or `json`, or `csv`; anything else is a 422.
    pub fn parse(format: Option<&str>) -> Result<Format, AppError> {
        match format {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(other) => Err(AppError::invalid(
                "format",
                format!("'{other}': use json or csv"),
            )),
        }
    }

    /// The rows as a CSV download called `name`, or as JSON in the body `json` builds around
    /// them.
    pub fn respond<R: CsvRow, B: Serialize>(
        self,
        name: &str,
        rows: Vec<R>,
        json: impl FnOnce(Vec<R>) -> B,
    ) -> Result<Response, AppError> {
        self.respond_as(name, R::HEADER, rows, json)
    }

    /// [`Format::respond`] with the CSV columns named `header` instead of the rows' own names.
    pub fn respond_as<R: CsvRow, B: Serialize>(
        self,
        name: &str,
        header: &[&str],
        rows: Vec<R>,
        json: impl FnOnce(Vec<R>) -> B,
    ) -> Result<Response, AppError> {
        match self {
            Format::Json => Ok(Json(json(rows)).into_response()),
            Format::Csv => csv_as(name, header, &rows),
        }
    }
}

/// A CSV download called `name`.csv: the header row, then the rows.
pub fn csv_download<R: CsvRow>(name: &str, rows: &[R]) -> Result<Response, AppError> {
    csv_as(name, R::HEADER, rows)
}

/// [`csv_download`] with the columns named `header`; every cell of the rows is made spreadsheet-safe.
fn csv_as<R: CsvRow>(name: &str, header: &[&str], rows: &[R]) -> Result<Response, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)
        .map_err(|e| AppError::internal("csv", e))?;
    for row in rows {
        out.write_record(row.cells().iter().map(|v| spreadsheet_safe(v)))
            .map_err(|e| AppError::internal("csv", e))?;
    }
    let body = out.into_inner().map_err(|e| AppError::internal("csv", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Names the dashboard whose figures a module's routes answer with.
pub trait OfDashboard {
    const DASHBOARD: Dashboard;
}

/// The request of a dashboard route that exports (`?<filter>&format=`): the filter the caller
/// may use and the format they asked for, authorized as [`authorize_dashboard`] does.
pub struct Export<D> {
    pub filter: DashboardFilter,
    pub format: Format,
    dashboard: PhantomData<D>,
}

impl<D: OfDashboard> FromRequestParts<AppState> for Export<D> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(caller) = Caller::from_request_parts(parts, state).await;
        let Query(filter) = Query::<DashboardFilter>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(format) = Query::<FormatParam>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (filter, format) =
            authorize_dashboard(&caller, D::DASHBOARD, filter, format.format.as_deref())
                .map_err(IntoResponse::into_response)?;
        Ok(Export {
            filter,
            format,
            dashboard: PhantomData,
        })
    }
}
