//! Who is signed in: a person's unlocked key held for their session (a ward's official, a city's
//! staff member: `Sessions<P>` for any kind of person `P`), the session's CSRF token, idle
//! sign-out and the lock-out after repeated wrong passphrases.
//!
//! Sessions live in memory only: a restarted node signs everyone out, and the unlocked keys never
//! touch the disk. The time is handed in, so the rules are tested without waiting.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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

/// A signed-in person (an official, a staff member), as a request sees them.
#[derive(Debug)]
pub struct SignedIn<P> {
    /// The person, with their key unlocked.
    pub person: Arc<P>,
    /// The token every form of this session must carry.
    pub csrf: String,
}

impl<P> Clone for SignedIn<P> {
    fn clone(&self) -> SignedIn<P> {
        SignedIn {
            person: self.person.clone(),
            csrf: self.csrf.clone(),
        }
    }
}

#[derive(Debug)]
struct Session<P> {
    signed_in: SignedIn<P>,
    last_seen: Instant,
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

#[derive(Debug)]
struct Book<P> {
    sessions: HashMap<String, Session<P>>,
    failures: HashMap<String, Failures>,
}

/// The sessions of one node's pages, for people of kind `P`.
#[derive(Debug)]
pub struct Sessions<P> {
    rules: SessionRules,
    book: Mutex<Book<P>>,
}

/// A sign-in refused before the passphrase is even tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockedOut {
    /// How long until the official may try again.
    pub remaining: Duration,
}

impl<P> Sessions<P> {
    /// Sessions under `rules`.
    pub fn new(rules: SessionRules) -> Sessions<P> {
        Sessions {
            rules,
            book: Mutex::new(Book {
                sessions: HashMap::new(),
                failures: HashMap::new(),
            }),
        }
    }

    fn book(&self) -> MutexGuard<'_, Book<P>> {
        self.book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes one of `person_id`'s attempts at `now`, or refuses when they are locked out.
    ///
    /// The attempt counts as a failure from the moment it is taken (a sign-in that succeeds
    /// clears the count, [`Sessions::start`]): sign-ins sent all at once cannot each pass the
    /// check before any of them has failed. The attempt that reaches the limit may still try;
    /// the next is refused for [`SessionRules::lockout`].
    pub fn attempt(&self, person_id: &str, now: Instant) -> Result<(), LockedOut> {
        let mut book = self.book();
        let failures = book.failures.entry(person_id.to_owned()).or_default();
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

    /// Starts a session for `person` (whose id is `person_id`) under the random `token` and
    /// `csrf` token; their count of failures starts again.
    pub fn start(&self, token: String, csrf: String, person_id: &str, person: P, now: Instant) {
        let mut book = self.book();
        book.failures.remove(person_id);
        book.sessions.insert(
            token,
            Session {
                signed_in: SignedIn {
                    person: Arc::new(person),
                    csrf,
                },
                last_seen: now,
            },
        );
    }

    /// The session of `token` at `now`, if it is still open (each request keeps it open).
    pub fn current(&self, token: &str, now: Instant) -> Option<SignedIn<P>> {
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
        let sessions = Sessions::<()>::new(RULES);
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
