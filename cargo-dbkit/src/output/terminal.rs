//! The terminal: colour choice, status lines in cargo's style, questions on a
//! TTY, and a spinner that appears only on a terminal and only when work takes long.

use crate::cli::ColorWhen;
use anstyle::{AnsiColor, Effects, Style};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::mpsc;
use std::time::Duration;

/// Applies `--color` to everything written through anstream.
pub fn configure_color(color: ColorWhen) {
    let choice = match color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Whether questions can be asked: stdin and stderr are both terminals.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub quiet: bool,
    pub verbose: u8,
}

const STATUS_STYLE: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
const WARNING_STYLE: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const BOLD: Style = Style::new().effects(Effects::BOLD);

impl Output {
    /// A cargo-style status line on stderr: `   Generated migrations/V2__x.sql`.
    pub fn status(&self, verb: &str, message: &str) {
        if !self.quiet {
            anstream::eprintln!("{STATUS_STYLE}{verb:>12}{STATUS_STYLE:#} {message}");
        }
    }

    /// A plain line on stderr (skipped with `--quiet`).
    pub fn line(&self, message: &str) {
        if !self.quiet {
            anstream::eprintln!("{message}");
        }
    }

    /// `warning: …`, printed even with `--quiet`.
    pub fn warning(&self, message: &str) {
        anstream::eprintln!("{WARNING_STYLE}warning{WARNING_STYLE:#}{BOLD}: {message}{BOLD:#}");
    }

    /// Text already rendered (diagnostics), printed even with `--quiet`.
    pub fn rendered(&self, text: &str) {
        let mut stderr = anstream::stderr();
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }
}

/// Asks a question on stderr and reads the number of a choice from stdin.
/// Returns `None` when stdin is closed.
pub fn ask_choice(question: &str, choices: &[String]) -> std::io::Result<Option<usize>> {
    let mut stderr = anstream::stderr();
    let stdin = std::io::stdin();
    loop {
        writeln!(stderr, "{BOLD}{question}{BOLD:#}")?;
        for (index, choice) in choices.iter().enumerate() {
            writeln!(
                stderr,
                "  {STATUS_STYLE}{}{STATUS_STYLE:#}) {choice}",
                index + 1
            )?;
        }
        write!(stderr, "choose 1-{}: ", choices.len())?;
        stderr.flush()?;
        let mut answer = String::new();
        if stdin.lock().read_line(&mut answer)? == 0 {
            return Ok(None);
        }
        match answer.trim().parse::<usize>() {
            Ok(number) if (1..=choices.len()).contains(&number) => return Ok(Some(number - 1)),
            _ => writeln!(
                stderr,
                "please answer with a number from 1 to {}",
                choices.len()
            )?,
        }
    }
}

/// A spinner on stderr that shows up only if the work is still running after
/// a short delay, and only on a terminal. Dropping it clears it.
#[derive(Debug)]
pub struct DelayedSpinner {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long work may take before a spinner appears.
pub const SPINNER_DELAY: Duration = Duration::from_millis(400);

/// Starts a spinner with `message` (nothing is drawn off a terminal or with `--quiet`).
pub fn start_spinner(output: Output, message: &str) -> DelayedSpinner {
    if output.quiet || !std::io::stderr().is_terminal() {
        return DelayedSpinner {
            stop: None,
            thread: None,
        };
    }
    let (stop, stopped) = mpsc::channel::<()>();
    let message = message.to_string();
    let thread = std::thread::spawn(move || {
        if stopped.recv_timeout(SPINNER_DELAY) != Err(mpsc::RecvTimeoutError::Timeout) {
            return;
        }
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        spinner.set_message(message);
        spinner.enable_steady_tick(Duration::from_millis(100));
        let _ = stopped.recv();
        spinner.finish_and_clear();
    });
    DelayedSpinner {
        stop: Some(stop),
        thread: Some(thread),
    }
}

impl Drop for DelayedSpinner {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
