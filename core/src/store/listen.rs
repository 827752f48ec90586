//! Changes the catalog announces (PostgreSQL's LISTEN/NOTIFY), heard on a connection of its
//! own, outside the pool.
//!
//! A notification can be lost: while the connection is down, or if it dies without saying
//! so. The listener therefore reports, besides each notification, every time it (re)starts
//! listening, every time it loses the connection, and a heartbeat while the catalog answers
//! on it; whoever remembers what the notifications are about forgets it on anything but a
//! heartbeat, and trusts its memory only while heartbeats keep coming.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

/// How often the listener checks that the catalog still answers on its connection.
pub const HEARTBEAT: Duration = Duration::from_millis(250);

/// What a listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard<'a> {
    /// It listens (again): anything may have changed while it did not.
    Listening,
    /// A notification on the channel, with its payload.
    Changed(&'a str),
    /// The catalog answered on the listening connection.
    Alive,
    /// The connection is gone; it will try again.
    Lost,
}

/// Listens on `channel` for as long as the task runs, reconnecting after a second when the
/// connection is lost, and calls `heard` with each event. A loss is logged once, not on every
/// failed reconnection.
pub async fn listen(database_url: String, channel: &'static str, heard: impl Fn(Heard<'_>) + Send + Sync) {
    let mut listened = true;
    loop {
        let now_listening = AtomicBool::new(false);
        let outcome = listen_once(&database_url, channel, &|event| {
            if event == Heard::Listening {
                now_listening.store(true, Ordering::Relaxed);
            }
            heard(event);
        })
        .await;
        listened |= now_listening.into_inner();
        match outcome {
            Ok(()) if listened => tracing::warn!(channel, "lost the catalog's listening connection"),
            Err(e) if listened => tracing::warn!(channel, error = %e, "listening to the catalog failed"),
            _ => tracing::debug!(channel, "still cannot listen to the catalog"),
        }
        listened = false;
        heard(Heard::Lost);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(
    database_url: &str,
    channel: &'static str,
    heard: &impl Fn(Heard<'_>),
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(database_url, NoTls).await?;
    let (tx, mut notifications) = mpsc::unbounded_channel();
    // The connection is driven here; it ends (dropping `tx`) when the socket does.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if tx.send(notification.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "listening connection failed");
                    break;
                }
            }
        }
    });
    let result = async {
        client.batch_execute(&format!("LISTEN {channel}")).await?;
        heard(Heard::Listening);
        let mut beat = tokio::time::interval(HEARTBEAT);
        loop {
            tokio::select! {
                message = notifications.recv() => match message {
                    Some(payload) => heard(Heard::Changed(&payload)),
                    None => return Ok(()),
                },
                _ = beat.tick() => {
                    match tokio::time::timeout(HEARTBEAT, client.simple_query("")).await {
                        Ok(Ok(_)) => heard(Heard::Alive),
                        Ok(Err(e)) => return Err(e),
                        Err(_) => return Ok(()),
                    }
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}
