//! What a caller may see of a dashboard. Services take a scope, never a raw request filter, so an
//! embed's locked filters and its "no names of people" rule hold on every path (page, server
//! function, JSON API).
use super::filter::DashboardFilter;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The request's filter with an embed's locked values applied.
    pub filter: DashboardFilter,
    /// The caller is an embed: leave out what names customers and what is store-wide only.
    pub embedded: bool,
}

impl Scope {
    /// A signed-in user's scope: the filter as asked, names included.
    pub fn user(filter: DashboardFilter) -> Self {
        Self {
            filter,
            embedded: false,
        }
    }
}
