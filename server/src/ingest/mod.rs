//! Getting data in: files (transaction logs, star-schema exports, catalogs, competitor prices)
//! and the demo data generator. An ingest run is all or nothing: one transaction, every rejected
//! row reported with file, line, column and reason.
pub mod demo;
pub mod file;
pub mod load;
pub mod run;
pub mod shop;
pub mod source;
pub mod xlsx;

/// Why a run failed. Row-level problems are rejections, not errors: see
/// `formats::Rejection`.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file as a whole cannot be used (empty, damaged, unknown header, …).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error(
        "{rejected} of {read} rows were rejected ({percent:.2}%), more than the {allowed}% this source allows, so nothing was loaded. First: {first}. Fix the file, or raise the source's rejected-rows limit"
    )]
    TooManyRejected {
        rejected: u64,
        read: u64,
        percent: f64,
        allowed: f64,
        first: String,
    },
    #[error("the run was cancelled")]
    Cancelled,
    #[error("database error while loading: {0}")]
    Database(#[from] sqlx::Error),
}
