//! What the page's panels share: the resources and actions created with the page.
use leptos::prelude::*;

use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
use crate::features::auth::types::Role;
use crate::features::inventory::api::{
    AcknowledgeSignal, AcknowledgeSignals, DecidePrice, PushDecision, RecomputeSignals,
};
use crate::features::inventory::types::MarketSignal;

/// Bumped after every decision or acknowledgement: the page's resources and the header badge
/// refetch.
#[derive(Clone, Copy)]
pub struct SignalsChanged(pub RwSignal<u32>);

/// What the panels of an Inventory & Pricing page (the dashboard, a product's page) share,
/// created with the page (not inside a suspense) so that server and browser build the same ones.
#[derive(Clone, Copy)]
pub(super) struct PageState {
    pub(super) filter: Memo<DashboardFilter>,
    pub(super) signals: Resource<Result<Vec<MarketSignal>, AppError>, crate::codec::Page>,
    pub(super) decide: ServerAction<DecidePrice>,
    pub(super) acknowledge: ServerAction<AcknowledgeSignal>,
    pub(super) acknowledge_all: ServerAction<AcknowledgeSignals>,
    pub(super) recompute: ServerAction<RecomputeSignals>,
    /// Sends an accepted price to the product's shop.
    pub(super) push: ServerAction<PushDecision>,
    pub(super) may_decide: Signal<bool>,
}

impl PageState {
    /// The page's actions (each bumps `SignalsChanged` when done, so that the page's resources
    /// and the header badge refetch) around its filter and its signals.
    pub(super) fn new(
        filter: Memo<DashboardFilter>,
        signals: Resource<Result<Vec<MarketSignal>, AppError>, crate::codec::Page>,
    ) -> Self {
        let changed = expect_context::<SignalsChanged>().0;
        let state = PageState {
            filter,
            signals,
            decide: ServerAction::new(),
            acknowledge: ServerAction::new(),
            acknowledge_all: ServerAction::new(),
            recompute: ServerAction::new(),
            push: ServerAction::new(),
            may_decide: crate::features::auth::context::user_allows(Role::Analyst),
        };
        Effect::new(move |_| {
            let done = state.decide.version().get()
                + state.acknowledge.version().get()
                + state.acknowledge_all.version().get()
                + state.recompute.version().get()
                + state.push.version().get();
            if done > 0 {
                changed.update(|v| *v += 1);
            }
        });
        state
    }
}
