//! What the parallel branches of an overlapped phase tell each other: the
//! load balancer is made while the image builds, but only once the image is
//! under way (a plan whose image step fails at once creates nothing paid),
//! and a branch that fails stops the other at its next step (no copies are
//! launched for a load balancer that could not be made, and no load
//! balancer is made for copies that will not be).

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use tokio::sync::Notify;

const PENDING: u8 = 0;
const OPEN: u8 = 1;
const CLOSED: u8 = 2;

#[derive(Default)]
pub struct Overlap {
    image: AtomicU8,
    changed: Notify,
    halted: AtomicBool,
}

impl Overlap {
    /// The image is being made (or reused, or was made by an earlier run of
    /// this journal): the other branch may start creating.
    pub fn image_under_way(&self) {
        self.settle(OPEN);
    }

    /// A branch failed: the other one stops before its next step.
    pub fn halt(&self) {
        self.halted.store(true, Ordering::SeqCst);
        self.settle(CLOSED);
    }

    pub fn halted(&self) -> bool {
        self.halted.load(Ordering::SeqCst)
    }

    /// Waits until the image is under way (`true`) or a branch failed
    /// first (`false`).
    pub async fn wait_image(&self) -> bool {
        loop {
            // Registered before the check, so a change in between is not missed.
            let changed = self.changed.notified();
            match self.image.load(Ordering::SeqCst) {
                OPEN => return !self.halted(),
                CLOSED => return false,
                _ => changed.await,
            }
        }
    }

    fn settle(&self, to: u8) {
        let _ = self
            .image
            .compare_exchange(PENDING, to, Ordering::SeqCst, Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_image_or_a_failure_whichever_comes_first() {
        let o = std::sync::Arc::new(Overlap::default());
        let waiter = tokio::spawn({
            let o = o.clone();
            async move { o.wait_image().await }
        });
        tokio::task::yield_now().await;
        o.image_under_way();
        assert!(waiter.await.unwrap());
        // Settled once: a later failure halts, the image stays under way.
        o.halt();
        assert!(o.halted());
        assert!(!o.wait_image().await, "halted after all");

        let o = Overlap::default();
        o.halt();
        assert!(!o.wait_image().await);
        o.image_under_way();
        assert!(!o.wait_image().await, "a failure first closes it for good");
    }
}
