//! The source a load goes into, found or created, and the job that loads into it: written once
//! for the CLI (`storepulse ingest`) and the REST upload.
use app::error::AppError;
use app::features::inventory::refresh::SignalRefresh;
use app::features::sources::queries;
use app::features::sources::service::check_settings;
use app::features::sources::types::{validate_source_name, SourceSettings};
use formats::FormatChoice;
use sqlx::PgPool;

use super::run::{Job, Store};

/// How the caller names the source.
#[derive(Debug, Clone, Copy)]
pub enum SourceRef<'a> {
    Id(i64),
    /// Created as a file source when there is none by that name.
    Name(&'a str),
}

/// Why a load cannot start: a refusal the caller can act on, or the database.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Refused(AppError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<AppError> for SourceError {
    fn from(err: AppError) -> Self {
        SourceError::Refused(err)
    }
}

impl From<SourceError> for AppError {
    fn from(err: SourceError) -> Self {
        match err {
            SourceError::Refused(err) => err,
            SourceError::Database(err) => err.into(),
        }
    }
}

/// The source as found before the files arrive: an existing one, or the name of a new one that
/// is created only by `prepare_job` (so that a refused upload leaves no source behind).
#[derive(Debug, Clone)]
pub enum Target {
    Existing {
        source_id: i64,
        settings: SourceSettings,
    },
    New {
        name: String,
    },
}

impl Target {
    pub async fn find(pool: &PgPool, source: SourceRef<'_>) -> Result<Target, SourceError> {
        match source {
            SourceRef::Id(id) => {
                let source = queries::source_by_id(pool, id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("Source {id}")))?;
                Ok(Target::Existing {
                    source_id: source.source_id,
                    settings: source.settings.0,
                })
            }
            SourceRef::Name(name) => {
                validate_source_name(name)?;
                Ok(match queries::source_by_name(pool, name).await? {
                    Some(source) => Target::Existing {
                        source_id: source.source_id,
                        settings: source.settings.0,
                    },
                    None => Target::New {
                        name: name.to_string(),
                    },
                })
            }
        }
    }

    /// The settings stored on the source (a new one starts from the defaults).
    pub fn settings(&self) -> SourceSettings {
        match self {
            Target::Existing { settings, .. } => settings.clone(),
            Target::New { .. } => SourceSettings::default(),
        }
    }
}

/// The source to load into, with `settings` stored on it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub source_id: i64,
    pub settings: SourceSettings,
    /// Whether this load created the source (then a load that fails removes it again).
    pub created: bool,
}

/// Creates the source of a `Target::New` (or takes the one another load created meanwhile) and
/// stores `settings` on it when they differ from what it had.
pub async fn resolve(
    pool: &PgPool,
    target: Target,
    settings: SourceSettings,
) -> Result<Resolved, SourceError> {
    let before = target.settings();
    if settings != before {
        check_settings(pool, &settings).await?;
    }
    let (source_id, created) = match &target {
        Target::Existing { source_id, .. } => (*source_id, false),
        Target::New { name } => {
            match queries::insert_source(pool, "file", name, &settings).await? {
                Some(id) => (id, true),
                // Created meanwhile by another load: load into it.
                None => (
                    queries::source_by_name(pool, name)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("Source '{name}'")))?
                        .source_id,
                    false,
                ),
            }
        }
    };
    if !created && settings != before {
        queries::update_settings(pool, source_id, &settings).await?;
    }
    Ok(Resolved {
        source_id,
        settings,
        created,
    })
}

/// What a job needs besides its source.
#[derive(Debug, Clone)]
pub struct JobOptions {
    pub store: Store,
    pub format: FormatChoice,
    pub started_by: Option<i64>,
    /// Recomputes the market signals after a successful run.
    pub signals: SignalRefresh,
}

/// A job ready to load, and whether it created its source.
pub struct Prepared {
    pub job: Job,
    pub created: bool,
}

/// The one way a CLI or REST load gets its source and job: see `resolve`.
pub async fn prepare_job(
    pool: &PgPool,
    target: Target,
    settings: SourceSettings,
    options: JobOptions,
) -> Result<Prepared, SourceError> {
    let resolved = resolve(pool, target, settings).await?;
    Ok(Prepared {
        job: Job {
            source_id: resolved.source_id,
            settings: resolved.settings,
            store: options.store,
            format: options.format,
            started_by: options.started_by,
            signals: options.signals,
            sync: None,
        },
        created: resolved.created,
    })
}

/// The source named `name`, created as a file source when there is none; settings given here
/// are stored on it.
pub async fn file_source(
    pool: &PgPool,
    name: &str,
    change: impl FnOnce(&mut SourceSettings),
) -> Result<(i64, SourceSettings), SourceError> {
    let target = Target::find(pool, SourceRef::Name(name)).await?;
    let mut settings = target.settings();
    change(&mut settings);
    let resolved = resolve(pool, target, settings).await?;
    Ok((resolved.source_id, resolved.settings))
}

/// Deletes a source with its runs and their kept upload folders: a failed load into a source it
/// created leaves no source behind. A source that another load has meanwhile used (a run that is
/// running or succeeded) stays, with everything in it.
pub async fn forget_source(pool: &PgPool, source_id: i64) -> sqlx::Result<()> {
    let uploads: Option<Vec<String>> = sqlx::query_scalar!(
        r#"with gone as (
             delete from source s where s.source_id = $1
               and not exists (select 1 from ingest_run r where r.source_id = s.source_id
                                 and r.state not in ('failed', 'interrupted'))
             returning s.source_id)
         select coalesce(array_agg(r.upload_path) filter (where r.upload_path is not null), '{}') as "uploads!"
         from gone left join ingest_run r using (source_id)
         group by gone.source_id"#,
        source_id
    )
    .fetch_optional(pool)
    .await?;
    for path in uploads.into_iter().flatten() {
        let _ = tokio::fs::remove_dir_all(path).await;
    }
    Ok(())
}
