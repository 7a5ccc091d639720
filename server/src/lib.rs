//! The StorePulse server: configuration, database, router, CLI and data ingestion.
pub mod api;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod db;
pub mod ingest;
pub mod keys;
pub mod router;
pub mod startup;
pub mod telemetry;
pub mod warm;
