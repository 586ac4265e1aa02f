//! Where messages come from: the terminal (keys, mouse, resize), a clock
//! tick, and the async jobs. One `next()` merges them for the loop.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::tui::app::Msg;
use crate::tui::jobs::JobEvent;

pub struct Events {
    terminal: EventStream,
    jobs_rx: UnboundedReceiver<JobEvent>,
    jobs_tx: UnboundedSender<JobEvent>,
    tick: tokio::time::Interval,
    started: Instant,
}

impl Events {
    /// `tick`: how often the clock (spinners, elapsed times) advances.
    pub fn new(tick: Duration) -> Events {
        let (jobs_tx, jobs_rx) = unbounded_channel();
        let mut tick = tokio::time::interval(tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        Events {
            terminal: EventStream::new(),
            jobs_rx,
            jobs_tx,
            tick,
            started: Instant::now(),
        }
    }

    /// Where jobs send their results.
    pub fn sender(&self) -> UnboundedSender<JobEvent> {
        self.jobs_tx.clone()
    }

    /// The next message; `None` when the terminal's event stream ended.
    pub async fn next(&mut self) -> Option<Msg> {
        loop {
            tokio::select! {
                ev = self.terminal.next() => {
                    match ev {
                        Some(Ok(Event::Key(k))) => return Some(Msg::Key(k)),
                        Some(Ok(Event::Mouse(m))) => return Some(Msg::Mouse(m)),
                        Some(Ok(Event::Resize(w, h))) => return Some(Msg::Resize(w, h)),
                        Some(Ok(_)) => continue,
                        Some(Err(_)) | None => return None,
                    }
                }
                Some(job) = self.jobs_rx.recv() => return Some(Msg::Job(job)),
                _ = self.tick.tick() => return Some(Msg::Tick(self.started.elapsed().as_secs())),
            }
        }
    }
}
