//! Waking the queue consumer when a job is pushed, so that an idle worker starts it within
//! milliseconds rather than on its next poll.
//!
//! [`dbaas_core::queue::JobQueue::push`] announces every push on the deployment's
//! [`wake_channel`](dbaas_core::queue::wake_channel). Each worker process holds one
//! subscription to it ([`listen`]) and turns each message into a [`Wake`], a poll strategy
//! the consumer races against its poll interval: whichever fires first makes it fetch. The
//! subscription is only a hint, so nothing is lost when it is: a dropped subscription is made
//! again (and the consumer fetches once then, for what was pushed meanwhile), and the interval
//! stays as the backstop. Every replica of every api or worker takes part the same way: the
//! channel is per deployment, the subscription per process, and Redis fans out.
//!
//! A wake that lands while a fetch is already under way may be answered by that fetch, which
//! can have run just before the job arrived; so each wake also arms one follow-up fetch
//! [`RECHECK`] later, instead of the job waiting for the interval.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use futures_util::task::AtomicWaker;
use futures_util::StreamExt;

/// When the follow-up fetch of a wake runs: far longer than a fetch takes, far shorter than
/// any poll interval.
const RECHECK: Duration = Duration::from_millis(100);
/// How often a quiet subscription is checked to be alive (a half-open connection sends
/// nothing and ends nothing), and how long the check may take.
const PING_EVERY: Duration = Duration::from_secs(10);
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Waits between attempts to subscribe again, doubling up to the last.
const RESUBSCRIBE_MIN: Duration = Duration::from_millis(100);
const RESUBSCRIBE_MAX: Duration = Duration::from_secs(5);

/// The flag between the subscription and the consumer.
#[derive(Default)]
struct Signal {
    set: AtomicBool,
    waker: AtomicWaker,
}

/// The sending side: held by [`listen`].
#[derive(Clone, Default)]
pub struct Waker(Arc<Signal>);

impl Waker {
    /// Makes the consumer fetch (once, however many wakes arrive before it does).
    pub fn wake(&self) {
        self.0.set.store(true, Ordering::Release);
        self.0.waker.wake();
    }

    /// A poll strategy that fires on this waker's wakes; for one consumer at a time.
    pub fn strategy(&self) -> Wake {
        Wake {
            signal: self.0.clone(),
            recheck: None,
        }
    }
}

/// The receiving side, as an apalis poll strategy (see the module's doc).
pub struct Wake {
    signal: Arc<Signal>,
    recheck: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Wake {
    fn take(&self) -> bool {
        self.signal.set.swap(false, Ordering::AcqRel)
    }
}

impl PollStrategy for Wake {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        self.signal.waker.register(cx.waker());
        if self.take() {
            // Polled now, so that it holds the consumer's waker.
            let mut recheck = Box::pin(tokio::time::sleep(RECHECK));
            let _ = recheck.as_mut().poll(cx);
            self.recheck = Some(recheck);
            return Poll::Ready(Some(()));
        }
        if let Some(recheck) = self.recheck.as_mut() {
            if recheck.as_mut().poll(cx).is_ready() {
                self.recheck = None;
                return Poll::Ready(Some(()));
            }
        }
        Poll::Pending
    }
}

/// Keeps a subscription to `channel` and wakes `waker` on each message, until the process
/// ends. Returns only if `redis_url` cannot be parsed.
pub async fn listen(redis_url: &str, channel: String, waker: Waker) -> Result<(), redis::RedisError> {
    let client = redis::Client::open(redis_url)?;
    let mut pause = RESUBSCRIBE_MIN;
    loop {
        match subscribe(&client, &channel).await {
            Ok((sink, messages)) => {
                pause = RESUBSCRIBE_MIN;
                tracing::debug!(%channel, "subscribed to job wake-ups");
                // Pushes made while there was no subscription were announced to nobody.
                waker.wake();
                let lost = relay(sink, messages, &waker).await;
                tracing::warn!(%channel, reason = %lost, "lost the job wake-up subscription; subscribing again");
            }
            Err(e) => {
                tracing::warn!(%channel, error = %e, "cannot subscribe to job wake-ups; workers poll meanwhile");
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RESUBSCRIBE_MAX);
    }
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<(redis::aio::PubSubSink, redis::aio::PubSubStream)> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub.split())
}

/// Wakes on every message until the subscription ends or stops answering; says why it did.
async fn relay(mut sink: redis::aio::PubSubSink, mut messages: redis::aio::PubSubStream, waker: &Waker) -> String {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(_) => waker.wake(),
                None => return "the connection closed".into(),
            },
            _ = ping.tick() => {
                match tokio::time::timeout(PING_TIMEOUT, sink.ping::<redis::Value>()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return format!("ping failed: {e}"),
                    Err(_) => return "ping timed out".into(),
                }
            }
        }
    }
}
