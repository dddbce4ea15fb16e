//! Who is signed in: an official's unlocked key held for their session, the session's CSRF token,
//! idle sign-out and the lock-out after repeated wrong passphrases.
//!
//! Sessions live in memory only: a restarted node signs everyone out, and the unlocked keys never
//! touch the disk. The time is handed in, so the rules are tested without waiting.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bansao_node::ward::Official;

/// How long sessions last and how many wrong passphrases lock an official out.
#[derive(Debug, Clone, Copy)]
pub struct SessionRules {
    /// A session with no request for this long is over.
    pub idle: Duration,
    /// This many wrong passphrases in a row lock the official's sign-in…
    pub max_failures: u32,
    /// …for this long.
    pub lockout: Duration,
}

impl Default for SessionRules {
    fn default() -> SessionRules {
        SessionRules {
            idle: Duration::from_secs(15 * 60),
            max_failures: 5,
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

/// A signed-in official, as a request sees them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The official, with their key unlocked.
    pub official: Arc<Official>,
    /// The token every form of this session must carry.
    pub csrf: String,
}

#[derive(Debug)]
struct Session {
    signed_in: SignedIn,
    last_seen: Instant,
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

#[derive(Debug, Default)]
struct Book {
    sessions: HashMap<String, Session>,
    failures: HashMap<String, Failures>,
}

/// The sessions of one node.
#[derive(Debug, Default)]
pub struct Sessions {
    rules: SessionRules,
    book: Mutex<Book>,
}

/// A sign-in refused before the passphrase is even tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockedOut {
    /// How long until the official may try again.
    pub remaining: Duration,
}

impl Sessions {
    /// Sessions under `rules`.
    pub fn new(rules: SessionRules) -> Sessions {
        Sessions {
            rules,
            book: Mutex::default(),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        self.book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes one of `official_id`'s attempts at `now`, or refuses when they are locked out.
    ///
    /// The attempt counts as a failure from the moment it is taken (a sign-in that succeeds
    /// clears the count, [`Sessions::start`]): sign-ins sent all at once cannot each pass the
    /// check before any of them has failed. The attempt that reaches the limit may still try;
    /// the next is refused for [`SessionRules::lockout`].
    pub fn attempt(&self, official_id: &str, now: Instant) -> Result<(), LockedOut> {
        let mut book = self.book();
        let failures = book.failures.entry(official_id.to_owned()).or_default();
        match failures.locked_until {
            Some(until) if until > now => {
                return Err(LockedOut {
                    remaining: until - now,
                });
            }
            Some(_) => *failures = Failures::default(),
            None => {}
        }
        failures.count += 1;
        if failures.count >= self.rules.max_failures {
            failures.locked_until = Some(now + self.rules.lockout);
        }
        Ok(())
    }

    /// Starts a session for `official` under the random `token` and `csrf` token; their count of
    /// failures starts again.
    pub fn start(&self, token: String, csrf: String, official: Official, now: Instant) {
        let mut book = self.book();
        book.failures.remove(official.id.as_str());
        book.sessions.insert(
            token,
            Session {
                signed_in: SignedIn {
                    official: Arc::new(official),
                    csrf,
                },
                last_seen: now,
            },
        );
    }

    /// The session of `token` at `now`, if it is still open (each request keeps it open).
    pub fn current(&self, token: &str, now: Instant) -> Option<SignedIn> {
        let mut book = self.book();
        let idle = self.rules.idle;
        book.sessions
            .retain(|_, session| now.saturating_duration_since(session.last_seen) <= idle);
        let session = book.sessions.get_mut(token)?;
        session.last_seen = now;
        Some(session.signed_in.clone())
    }

    /// Ends the session of `token`.
    pub fn end(&self, token: &str) {
        self.book().sessions.remove(token);
    }
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn tokens_match(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: SessionRules = SessionRules {
        idle: Duration::from_secs(900),
        max_failures: 5,
        lockout: Duration::from_secs(900),
    };

    #[test]
    fn the_fifth_wrong_passphrase_locks_the_official_out_for_fifteen_minutes() {
        let sessions = Sessions::new(RULES);
        let start = Instant::now();
        for attempt in 0..5 {
            assert!(sessions.attempt("binh", start).is_ok(), "attempt {attempt}");
        }
        let locked = sessions.attempt("binh", start).unwrap_err();
        assert_eq!(locked.remaining, Duration::from_secs(900));
        assert!(
            sessions.attempt("cuong", start).is_ok(),
            "others are not locked"
        );
        let later = start + Duration::from_secs(901);
        assert!(sessions.attempt("binh", later).is_ok());
        // After the lock-out the count starts again: one more attempt does not lock.
        assert!(sessions.attempt("binh", later).is_ok());
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(tokens_match("abcd", "abcd"));
        assert!(!tokens_match("abcd", "abce"));
        assert!(!tokens_match("abc", "abcd"));
        assert!(!tokens_match("", "abcd"));
    }
}
