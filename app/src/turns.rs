//! Turns of the page parts. A page asks for its parts at once (cards, charts, tables); computing
//! them all at once on a small machine would make every part, the cards first, as slow as the
//! slowest. So a part computes only in its turn (`AppState::parts`: one turn per core, first
//! asked first served), and only when it has something to compute: a part whose result is cached
//! answers at once, without queueing behind parts that compute. A page's cards go first: from the
//! moment they are asked for until they answer, no other part starts computing (`cards_first`),
//! and they take every free turn while they compute (they sum two periods side by side), so that
//! the figures a visitor reads first are not slowed by the charts and tables asked with them. They
//! wait for one turn only: what already computes (a part asked earlier, the market signals after
//! an ingest) is not waited for.
//!
//! The turn belongs to the task running the part (a Tokio task-local set by `guard::part`), and
//! is taken by `ResultCache::get_or_compute` on a miss, before it starts computing: a result
//! computed inside another (nested parts of a service) runs in the turn already held, and a task
//! never waits for a turn while other tasks wait for its result.
use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// The server's turns: one per core.
#[derive(Clone, Debug)]
pub struct Turns {
    semaphore: Arc<Semaphore>,
    count: u32,
    /// Cards asked for and not answered yet; other parts wait for none before computing.
    cards: Arc<watch::Sender<usize>>,
}

impl Turns {
    /// `count` turns (at least one).
    pub fn new(count: usize) -> Self {
        let count = u32::try_from(count.max(1)).unwrap_or(u32::MAX >> 4);
        Turns {
            semaphore: Arc::new(Semaphore::new(count as usize)),
            count,
            cards: Arc::new(watch::Sender::new(0)),
        }
    }

    /// A page's cards were asked for: until the returned guard is dropped (they answered), parts
    /// that have not started computing wait. Taken before anything else of the cards' request,
    /// so that they go ahead of the parts asked for with them.
    pub fn cards_first(&self) -> CardsFirst {
        self.cards.send_modify(|n| *n += 1);
        CardsFirst {
            cards: self.cards.clone(),
        }
    }

    /// Once no cards are waiting or computing.
    pub async fn after_cards(&self) {
        let mut cards = self.cards.subscribe();
        let _ = cards.wait_for(|n| *n == 0).await;
    }

    /// One turn per core of this machine.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// Waits for one turn (background work that queues like a part: the market signals).
    pub async fn one(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::internal("page part turns", e))
    }
}

/// Cards that were asked for and have not answered yet (see `Turns::cards_first`).
pub struct CardsFirst {
    cards: Arc<watch::Sender<usize>>,
}

impl Drop for CardsFirst {
    fn drop(&mut self) {
        self.cards.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// How much of the machine a part takes while it computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// One turn (one core).
    One,
    /// Every free turn, at least one: nothing starts beside it (a page's cards), but what
    /// already computes is not waited for.
    All,
}

struct Turn {
    turns: Turns,
    share: Share,
    /// The task holds its turn, or is waiting for it.
    taken: Cell<bool>,
}

tokio::task_local! {
    static TURN: Turn;
}

/// Runs `body` as a page part: whatever it computes waits for its turn (`take`).
pub async fn as_part<F: Future>(turns: Turns, share: Share, body: F) -> F::Output {
    TURN.scope(
        Turn {
            turns,
            share,
            taken: Cell::new(false),
        },
        body,
    )
    .await
}

/// The part's turn while held; given back when dropped.
pub struct Held {
    _permit: OwnedSemaphorePermit,
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = TURN.try_with(|turn| turn.taken.set(false));
    }
}

/// Waits for the calling part's turn, if the caller is a page part that does not hold it yet;
/// `None` for anything else (a JSON route, the background warmer, a computation nested in one
/// that holds the turn).
pub async fn take() -> Result<Option<Held>, AppError> {
    let wanted = TURN
        .try_with(|turn| {
            // Marked before waiting: a second computation of the same task started meanwhile
            // (`join!`) must not wait for a turn that the first would then hold.
            (!turn.taken.replace(true)).then(|| (turn.turns.clone(), turn.share))
        })
        .ok()
        .flatten();
    let Some((turns, share)) = wanted else {
        return Ok(None);
    };
    if share == Share::One {
        turns.after_cards().await;
    }
    match turns.one().await {
        Ok(mut permit) => {
            // Cards take every turn that is free once they have one, without waiting for the
            // others: work that started before them (a part asked earlier, the market signals
            // after an ingest) keeps its core, and the cards do not queue behind it (they waited
            // for the signals' whole computation after each ingest: 181 → 459 ms).
            if share == Share::All {
                while permit.num_permits() < turns.count as usize {
                    match turns.semaphore.clone().try_acquire_owned() {
                        Ok(more) => permit.merge(more),
                        Err(_) => break,
                    }
                }
            }
            Ok(Some(Held { _permit: permit }))
        }
        Err(err) => {
            let _ = TURN.try_with(|turn| turn.taken.set(false));
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::timeout;

    const SOON: Duration = Duration::from_millis(100);

    #[tokio::test]
    async fn only_page_parts_wait_for_a_turn() {
        let turns = Turns::new(2);
        let _a = turns.one().await.unwrap();
        let _b = turns.one().await.unwrap();
        // A JSON route or the warmer is not a part: it never queues.
        assert!(timeout(SOON, take()).await.unwrap().unwrap().is_none());
        // A part waits while every turn is taken.
        let part = as_part(turns.clone(), Share::One, take());
        assert!(timeout(SOON, part).await.is_err());
    }

    #[tokio::test]
    async fn a_part_gets_its_turn_when_one_is_given_back() {
        let turns = Turns::new(2);
        let a = turns.one().await.unwrap();
        let _b = turns.one().await.unwrap();
        let waiting = tokio::spawn(as_part(turns.clone(), Share::One, async {
            take().await.unwrap().is_some()
        }));
        tokio::time::sleep(SOON).await;
        assert!(!waiting.is_finished());
        drop(a);
        assert!(timeout(SOON, waiting).await.unwrap().unwrap());
    }

    #[tokio::test]
    async fn cards_compute_alone() {
        let turns = Turns::new(2);
        as_part(turns.clone(), Share::All, async {
            let held = take().await.unwrap();
            assert!(held.is_some());
            // No other part computes beside the cards...
            assert!(timeout(SOON, turns.one()).await.is_err());
            drop(held);
            // ...and they give every turn back.
            let _a = timeout(SOON, turns.one()).await.unwrap().unwrap();
            let _b = timeout(SOON, turns.one()).await.unwrap().unwrap();
        })
        .await;
    }

    #[tokio::test]
    async fn cards_do_not_wait_for_work_that_started_before_them() {
        let turns = Turns::new(2);
        // The market signals compute in one turn.
        let signals = turns.one().await.unwrap();
        as_part(turns.clone(), Share::All, async {
            // The cards start in the other at once...
            let held = timeout(SOON, take()).await.unwrap().unwrap();
            assert!(held.is_some());
            // ...and nothing new starts beside them.
            assert!(timeout(SOON, turns.one()).await.is_err());
            drop(signals);
            // A turn given back while the cards compute is free for others; the cards keep theirs.
            let _next = timeout(SOON, turns.one()).await.unwrap().unwrap();
            assert!(timeout(SOON, turns.one()).await.is_err());
        })
        .await;
    }

    #[tokio::test]
    async fn parts_wait_while_cards_are_asked_for() {
        let turns = Turns::new(2);
        let first = turns.cards_first();
        // A part asked with the cards waits even though turns are free...
        let waiting = tokio::spawn(as_part(turns.clone(), Share::One, async {
            take().await.unwrap().is_some()
        }));
        // ...while the cards compute.
        let cards = as_part(turns.clone(), Share::All, async { take().await.unwrap() });
        let held = timeout(SOON, cards).await.unwrap();
        assert!(held.is_some());
        tokio::time::sleep(SOON).await;
        assert!(!waiting.is_finished());
        drop(held);
        assert!(!waiting.is_finished(), "the cards have not answered yet");
        drop(first);
        assert!(timeout(SOON, waiting).await.unwrap().unwrap());
        // Background work (the market signals) does not wait for cards.
        let _again = turns.cards_first();
        assert!(timeout(SOON, turns.one()).await.is_ok());
    }

    #[tokio::test]
    async fn what_a_part_computes_inside_its_turn_does_not_queue_again() {
        let turns = Turns::new(2);
        let done = as_part(turns.clone(), Share::All, async {
            let outer = take().await.unwrap();
            // Nested results and two halves computed side by side run in the turn held.
            let (left, right) = tokio::join!(take(), take());
            let nested = left.unwrap().is_none() && right.unwrap().is_none();
            drop(outer);
            // Once given back, the next computation of the part takes a turn again.
            nested && take().await.unwrap().is_some()
        });
        assert!(timeout(SOON, done).await.unwrap());
    }
}
