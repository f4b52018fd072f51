//! Progress of long commands on a terminal: a spinner or a bar on standard error, drawn only
//! when it is a terminal, so that scripts and logs stay quiet.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Work of unknown length: a spinner with what is being done and the time it has taken.
pub(super) struct Spinner(ProgressBar);

impl Spinner {
    pub(super) fn start(message: &str) -> Spinner {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner(bar)
    }

    pub(super) fn say(&self, message: &str) {
        self.0.set_message(message.to_string());
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Work of known length: a bar of items done.
pub(super) struct Bar(ProgressBar);

impl Bar {
    pub(super) fn start(message: &str, total: u64) -> Bar {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:32}] {pos}/{len} ({eta} left)") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_string());
        Bar(bar)
    }

    pub(super) fn advance(&self) {
        self.0.inc(1);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
