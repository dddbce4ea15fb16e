//! Reconnection delays: exponential backoff with full jitter, so a hundred kiosks coming back
//! after a ward outage do not all knock at the same second.

use std::time::Duration;

/// Delays between attempts to reach a peer.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// Starts at `first` and doubles up to `max`.
    pub fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            failures: 0,
        }
    }

    /// After a success: the next failure waits `first` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// The delay after one more failure: uniformly between half and all of the current step
    /// (`random` is any random number).
    pub fn next_delay(&mut self, random: u64) -> Duration {
        let step = self
            .first
            .saturating_mul(1u32 << self.failures.min(20))
            .min(self.max);
        self.failures = self.failures.saturating_add(1);
        let half = step / 2;
        let spread = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(if spread == 0 {
            0
        } else {
            random % (spread + 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_stay_jittered_and_reset() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let low: Vec<Duration> = (0..10).map(|_| backoff.next_delay(0)).collect();
        assert_eq!(low[0], Duration::from_millis(500));
        assert_eq!(low[1], Duration::from_secs(1));
        assert_eq!(low[2], Duration::from_secs(2));
        assert_eq!(
            low[9],
            Duration::from_secs(30),
            "capped at 60 s, half of it at least"
        );
        backoff.reset();
        assert_eq!(
            backoff.next_delay(u64::MAX),
            Duration::from_millis(500) + Duration::from_millis(u64::MAX % 501)
        );
        let mut a = Backoff::new(Duration::from_secs(8), Duration::from_secs(60));
        let mut b = a.clone();
        assert_ne!(
            a.next_delay(1),
            b.next_delay(2_000),
            "different random, different delay"
        );
    }
}
