//! Getting data in: the demo data generator (file parsers and connectors come with ingestion).
pub mod demo;
