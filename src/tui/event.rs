//! Where messages come from: the terminal (keys, mouse, resize), a clock
//! tick, and the async jobs. One `next()` merges them for the loop.
//!
//! The terminal is read on a thread of its own, not through crossterm's
//! async stream: when the terminal goes away (its window closed, its pty
//! gone) that stream's poll spins without ever yielding, which starved the
//! loop of the SIGHUP/SIGTERM that should end it (a process was found
//! spinning a whole core for minutes after its terminal was gone). On a
//! thread, the loop stays free to take the signal and quit.

use std::time::{Duration, Instant};

use crossterm::event::Event;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::tui::app::Msg;
use crate::tui::jobs::JobEvent;

pub struct Events {
    /// `None` once the terminal can no longer be read.
    terminal: UnboundedReceiver<Option<Event>>,
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
            terminal: read_terminal(),
            jobs_rx,
            jobs_tx,
            tick,
            started: Instant::now(),
        }
    }

    /// A fresh channel for the jobs (another account took over: what the
    /// old one's jobs still report is dropped); the terminal is kept, so no
    /// keystroke is lost to a second reader.
    pub fn fresh_jobs(&mut self) {
        let (jobs_tx, jobs_rx) = unbounded_channel();
        self.jobs_tx = jobs_tx;
        self.jobs_rx = jobs_rx;
    }

    /// Where jobs send their results.
    pub fn sender(&self) -> UnboundedSender<JobEvent> {
        self.jobs_tx.clone()
    }

    /// The next message; `None` when the terminal's event stream ended.
    pub async fn next(&mut self) -> Option<Msg> {
        loop {
            tokio::select! {
                ev = self.terminal.recv() => {
                    match ev {
                        Some(Some(Event::Key(k))) => return Some(Msg::Key(k)),
                        Some(Some(Event::Mouse(m))) => return Some(Msg::Mouse(m)),
                        Some(Some(Event::Resize(w, h))) => return Some(Msg::Resize(w, h)),
                        Some(Some(_)) => continue,
                        Some(None) | None => return None,
                    }
                }
                Some(job) = self.jobs_rx.recv() => return Some(Msg::Job(job)),
                _ = self.tick.tick() => return Some(Msg::Tick(self.started.elapsed().as_secs())),
            }
        }
    }
}

/// Reads the terminal on its own thread until it cannot be read (then
/// `None`) or nobody listens any more (the loop ended, or a new account
/// replaced the events: the thread sees it within a poll interval).
fn read_terminal() -> UnboundedReceiver<Option<Event>> {
    let (tx, rx) = unbounded_channel();
    std::thread::spawn(move || loop {
        match crossterm::event::poll(Duration::from_millis(100)) {
            Ok(true) => match crossterm::event::read() {
                Ok(ev) => {
                    if tx.send(Some(ev)).is_err() {
                        return;
                    }
                }
                Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
            },
            Ok(false) if tx.is_closed() => return,
            Ok(false) => {}
            Err(_) => {
                let _ = tx.send(None);
                return;
            }
        }
    });
    rx
}
