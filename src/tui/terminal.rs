//! Entering and leaving the full-screen terminal. Whatever ends the wizard
//! (normal exit, an error, a panic, SIGINT/SIGTERM/SIGHUP) leaves the
//! terminal as it found it: cooked mode, main screen, no mouse capture,
//! cursor shown.

use std::io::{stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The journal of the session's runs, printed after a panic so the user
/// can resume. It changes when onboarding adopts another session.
static JOURNAL: Mutex<Option<String>> = Mutex::new(None);

/// Sets (or clears) the journal path a panic reports: at start, and
/// whenever the wizard switches to another session.
pub fn set_journal(path: Option<String>) {
    *JOURNAL.lock().unwrap_or_else(|p| p.into_inner()) = path;
}

/// What a panic prints after the message, if the session has a journal.
fn journal_note() -> Option<String> {
    // A panic while the lock is held must not deadlock the hook.
    let guard = match JOURNAL.try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return None,
    };
    guard
        .as_ref()
        .map(|j| format!("tcscale: the run's journal is {j} (resume with `tcscale resume`)"))
}

/// Puts the terminal in full-screen mode and installs the panic hook.
pub fn enter(journal_path: Option<String>) -> std::io::Result<Term> {
    set_journal(journal_path);
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture, cursor::Hide) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Leaves full-screen mode; safe to call more than once and from any thread.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = stdout();
        let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, so the message lands on a usable terminal.
            restore();
            previous(info);
            if let Some(note) = journal_note() {
                eprintln!("{note}");
            }
        }));
    });
}

/// Resolves when SIGINT, SIGTERM or SIGHUP arrives (Ctrl-C in raw mode is a
/// key, not a signal; this covers `kill` and a closed terminal).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_journal_a_panic_reports_follows_the_adopted_session() {
        super::set_journal(None);
        assert_eq!(super::journal_note(), None);
        super::set_journal(Some("/a/runs.jsonl".into()));
        assert!(super::journal_note().unwrap().contains("/a/runs.jsonl"));
        // A session adopted later (first-run sandbox, another account).
        super::set_journal(Some("/b/runs.jsonl".into()));
        let note = super::journal_note().unwrap();
        assert!(
            note.contains("/b/runs.jsonl") && !note.contains("/a/"),
            "{note}"
        );
    }
}
