//! The terminal loop: raw mode and the alternate screen in, everything restored on the way out
//! (normal exit, error, panic, SIGTERM/SIGHUP). Terminal events, backend events and a timer all
//! become [`Action`]s for [`App::update`], whose [`Effects`] the loop carries out (commands to
//! the backend, the clipboard, quitting); the screen is redrawn only when something changed, at
//! most 60 times a second. The loop never waits on the network: the backend answers through a
//! channel.

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as TermEvent, EventStream,
};
use crossterm::execute;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use crate::app::{Action, App, Effects};
use crate::protocol::{Command, Event, Level};

/// The shortest time between two frames (60 per second).
pub const FRAME: Duration = Duration::from_millis(16);
/// How often the clock ticks (spinner, relative times, notice expiry).
pub const TICK: Duration = Duration::from_millis(120);

/// Puts the terminal back as it was. Safe to call more than once and from a panic hook.
pub fn restore_terminal() {
    let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

/// Installs the panic and error hooks: the terminal is restored before the report is printed,
/// and the panic is written to the log too.
pub fn install_hooks() -> color_eyre::Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        tracing::error!("panic: {info}");
        panic_hook(info);
    }));
    Ok(())
}

/// Enters raw mode and the alternate screen, with mouse capture when asked.
pub fn init_terminal(mouse: bool) -> io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    let mut out = io::stdout();
    execute!(out, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(terminal)
}

fn to_action(ev: TermEvent) -> Option<Action> {
    match ev {
        TermEvent::Key(k) => Some(Action::Key(k)),
        TermEvent::Mouse(m) => Some(Action::Mouse(m)),
        TermEvent::Paste(s) => Some(Action::Paste(s)),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        TermEvent::FocusGained | TermEvent::FocusLost => None,
    }
}

/// Runs the dashboard until the user quits. The terminal must already be initialised; the
/// caller restores it.
pub async fn run(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    commands: UnboundedSender<Command>,
    mut events: UnboundedReceiver<Event>,
) -> color_eyre::Result<()> {
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    let _ = commands.send(Command::Start);
    let mut last_draw = Instant::now() - FRAME;
    let mut signals = Signals::new()?;
    // The list searches on its own thread and wakes this loop when an answer is ready.
    let (wake, mut search_ready) = tokio::sync::mpsc::unbounded_channel::<()>();
    if let Err(e) = app.list.start_search_worker(move || {
        let _ = wake.send(());
    }) {
        tracing::warn!("search stays on the UI thread: {e}");
    }
    let mut quit = false;
    loop {
        if app.needs_draw() && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| app.draw(f))?;
            last_draw = Instant::now();
        }
        if quit {
            break;
        }
        let next_frame = last_draw + FRAME;
        let mut fx = Effects::default();
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => if let Some(a) = to_action(ev) { fx = app.update(a) },
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            ev = events.recv() => match ev {
                Some(ev) => {
                    fx = app.update(Action::Backend(ev));
                    // Take everything already queued before drawing once.
                    while let Ok(more) = events.try_recv() {
                        fx.merge(app.update(Action::Backend(more)));
                    }
                }
                None => {
                    app.notify(Level::Error, "the background worker stopped; see the log");
                    // Keep the UI usable; the user can still quit.
                    std::future::pending::<()>().await;
                }
            },
            Some(()) = search_ready.recv() => {
                while search_ready.try_recv().is_ok() {}
                fx = app.update(Action::SearchReady);
            }
            _ = tick.tick() => fx = app.update(Action::Tick),
            _ = tokio::time::sleep_until(next_frame), if app.needs_draw() => {},
            _ = signals.recv() => {
                tracing::info!("terminating on signal");
                fx.quit = true;
                fx.commands.push(Command::Shutdown);
            }
        }
        quit |= fx.quit;
        if let Some(text) = fx.clipboard {
            let mut out = io::stdout();
            let _ = execute!(
                out,
                crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
            );
            let _ = out.flush();
        }
        if let Some(seq) = fx.terminal {
            let mut out = io::stdout();
            let _ = out.write_all(seq.as_bytes());
            let _ = out.flush();
        }
        if let Some((path, saved)) = fx.save_views
            && let Err(e) = saved.save(&path)
        {
            app.notify(Level::Error, e);
        }
        for c in fx.commands {
            if commands.send(c).is_err() {
                tracing::warn!("backend gone; command dropped");
            }
        }
    }
    Ok(())
}

/// SIGTERM and SIGHUP end the app cleanly (terminal restored, outbox already on disk).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {},
            _ = self.hup.recv() => {},
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
