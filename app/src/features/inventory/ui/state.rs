//! What the page's panels share: the resources and actions created with the page.
use leptos::prelude::*;

use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
use crate::features::inventory::api::{
    AcknowledgeSignal, AcknowledgeSignals, DecidePrice, PushDecision, RecomputeSignals,
};
use crate::features::inventory::types::{MarketSignal, ProductDetail};

/// Bumped after every decision or acknowledgement: the page's resources and the header badge
/// refetch.
#[derive(Clone, Copy)]
pub struct SignalsChanged(pub RwSignal<u32>);

/// Resources of the page, created with it (not inside a suspense) so that server and browser
/// build the same ones.
#[derive(Clone, Copy)]
pub(super) struct PageState {
    pub(super) filter: Memo<DashboardFilter>,
    pub(super) product: Memo<Option<i64>>,
    pub(super) detail: Resource<Option<Result<ProductDetail, AppError>>>,
    pub(super) signals: Resource<Result<Vec<MarketSignal>, AppError>>,
    pub(super) decide: ServerAction<DecidePrice>,
    pub(super) acknowledge: ServerAction<AcknowledgeSignal>,
    pub(super) acknowledge_all: ServerAction<AcknowledgeSignals>,
    pub(super) recompute: ServerAction<RecomputeSignals>,
    /// Sends an accepted price to the product's shop.
    pub(super) push: ServerAction<PushDecision>,
    pub(super) may_decide: Signal<bool>,
}
